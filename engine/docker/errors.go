package docker

import (
	"strings"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"

	"github.com/berth-dev/berth/engine"
)

// opError keeps the daemon's message and adds the operation in front, while
// errors.Is matches berth's sentinel as well as the client's own error
// classes.
type opError struct {
	op       string
	sentinel error // one of engine.Err*, or nil
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
	err = classify(op, e.host, e.certPath, err)
	if u, ok := err.(*UnreachableError); ok && e.context != "" {
		u.Context = e.context
	}
	return err
}

// classify turns a client error into one of this package's errors. Errors
// it already produced (APIVersion's, say) pass through unchanged.
func classify(op, host, certPath string, err error) error {
	switch err.(type) {
	case *opError, *UnreachableError, *APIVersionError, *NoSpaceError, *engine.ImageNotFoundError, *PortInUseError, *NameConflictError:
		return err
	}
	if client.IsErrConnectionFailed(err) || plainToTLS(err.Error()) {
		return unreachable(op, host, certPath, err)
	}
	if v, ok := parseAPIVersionError(host, err); ok {
		return v
	}
	msg := err.Error()
	switch {
	case noSpace(msg):
		return &NoSpaceError{Op: op, Err: err}
	// 20.10 answers 403 "network x id y has active endpoints"; newer daemons
	// answer 409. The message is the only stable part.
	case strings.Contains(msg, "has active endpoints"):
		return &opError{op, engine.ErrActiveEndpoints, err, ""}
	case subnetOverlap(msg):
		return &opError{op, engine.ErrSubnetOverlap, err, ""}
	case cerrdefs.IsNotFound(err):
		return &opError{op, engine.ErrNotFound, err, ""}
	case cerrdefs.IsConflict(err), cerrdefs.IsAlreadyExists(err):
		return &opError{op, engine.ErrConflict, err, ""}
	}
	return &opError{op, nil, err, ""}
}
