package docker

import (
	"errors"
	"fmt"
	"net"
	"strings"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"

	"github.com/berth-dev/berth/engine"
)

// ErrUnreachable is returned (wrapped) when the daemon cannot be reached at
// all, as opposed to answering with an error.
var ErrUnreachable = errors.New("docker daemon unreachable")

// opError keeps the daemon's message and adds the operation in front, while
// errors.Is matches berth's sentinel as well as the client's own error
// classes.
type opError struct {
	op       string
	sentinel error // one of engine.Err*, ErrUnreachable, or nil
	err      error
	msg      string // replaces err's text when set
}

func (e *opError) Error() string {
	if e.msg != "" {
		return e.op + ": " + e.msg
	}
	return e.op + ": " + e.err.Error()
}

func (e *opError) Unwrap() []error {
	if e.sentinel == nil {
		return []error{e.err}
	}
	return []error{e.sentinel, e.err}
}

// wrap classifies err from the client. op says what was attempted, e.g.
// `remove network shop_default`.
func (e *Engine) wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	return classify(op, e.host, err)
}

func classify(op, host string, err error) error {
	msg := err.Error()
	switch {
	case client.IsErrConnectionFailed(err):
		// The client's own text repeats the host and guesses; say it once,
		// with what to do, and keep only the dial error as the cause.
		cause := ""
		var netErr *net.OpError
		if errors.As(err, &netErr) {
			cause = " (" + netErr.Error() + ")"
		}
		if strings.Contains(msg, "permission denied") {
			return &opError{op, ErrUnreachable, err, fmt.Sprintf(
				"permission denied on the Docker socket at %s: add your user to the docker group (sudo usermod -aG docker $USER, then log in again) or run as a user allowed to use the socket%s", host, cause)}
		}
		return &opError{op, ErrUnreachable, err, fmt.Sprintf(
			"cannot connect to the Docker daemon at %s: is dockerd running? (set DOCKER_HOST to use another daemon)%s", host, cause)}
	// 20.10 answers 403 "network x id y has active endpoints"; newer daemons
	// answer 409. The message is the only stable part.
	case strings.Contains(msg, "has active endpoints"):
		return &opError{op, engine.ErrActiveEndpoints, err, ""}
	case cerrdefs.IsNotFound(err):
		return &opError{op, engine.ErrNotFound, err, ""}
	case cerrdefs.IsConflict(err), cerrdefs.IsAlreadyExists(err):
		return &opError{op, engine.ErrConflict, err, ""}
	}
	return &opError{op, nil, err, ""}
}
