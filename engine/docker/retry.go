package docker

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptrace"
	"sync"
	"syscall"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"
)

// policy says when a failed call may be sent again.
type policy int

const (
	// idempotent calls (lists, inspects, ping, start, stop, volume create)
	// leave the daemon in the same state however often they run, so any
	// transient failure is retried.
	idempotent policy = iota
	// removal is idempotent, and a resource missing on a retry was removed
	// by the attempt whose answer got lost: that counts as success.
	removal
	// once calls (container and network create, rename, connect) must not
	// run twice. They are retried only when no connection to the daemon was
	// ever made, which proves the daemon never saw the request.
	once
)

const (
	// maxRetries bounds how often a call is repeated after its first try.
	maxRetries = 3
	// firstBackoff doubles before each retry: 100, 200, 400ms. A daemon
	// that is restarting or shedding load recovers in that time or not at
	// all within a command; no jitter, as one berth run makes few calls.
	firstBackoff = 100 * time.Millisecond
	// finishGrace bounds how long a once call runs on after its context is
	// cancelled. The daemon carries out a create, connect or rename whether
	// or not its client still waits; a berth that stopped waiting would exit
	// while the daemon still held the name, and the next command would find
	// a container it cannot inspect yet.
	finishGrace = 10 * time.Second
)

// sleepCtx waits for d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// attempt is what the HTTP transport reports about one try of a call. The
// client folds transport failures into opaque "cannot connect" errors; the
// trace hooks keep the facts retry and classify need.
type attempt struct {
	mu        sync.Mutex // hooks run on the transport's goroutines
	connected bool       // a connection was handed to the request: it may have been sent
	dialErr   error      // the last failed dial, when no connection was made
	status    int        // HTTP status of the last response, 0 if none
}

type attemptKey struct{}

// context returns ctx instrumented to fill a.
func (a *attempt) context(ctx context.Context) context.Context {
	ctx = context.WithValue(ctx, attemptKey{}, a)
	return httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		GotConn: func(httptrace.GotConnInfo) {
			a.mu.Lock()
			a.connected = true
			a.mu.Unlock()
		},
		ConnectDone: func(_, _ string, err error) {
			if err != nil {
				a.mu.Lock()
				a.dialErr = err
				a.mu.Unlock()
			}
		},
	})
}

// facts is a copy of what the transport reported, safe to read once the
// call has returned.
func (a *attempt) facts() attemptFacts {
	a.mu.Lock()
	defer a.mu.Unlock()
	return attemptFacts{connected: a.connected, dialErr: a.dialErr, status: a.status}
}

type attemptFacts struct {
	connected bool
	dialErr   error
	status    int
}

// recordStatus is a client response hook: it notes the status code on the
// attempt the request belongs to, as the client's errors keep only a class
// (internal, unavailable, unknown) and not the code.
func recordStatus(resp *http.Response) {
	if resp == nil || resp.Request == nil {
		return
	}
	if a, ok := resp.Request.Context().Value(attemptKey{}).(*attempt); ok {
		a.mu.Lock()
		a.status = resp.StatusCode
		a.mu.Unlock()
	}
}

// transportError keeps what the transport saw next to the client's error,
// so that classify can tell "nothing listens" from "the connection broke".
type transportError struct {
	err       error
	dialErr   error
	connected bool
}

func (e *transportError) Error() string { return e.err.Error() }

func (e *transportError) Unwrap() []error {
	if e.dialErr == nil {
		return []error{e.err}
	}
	return []error{e.err, e.dialErr}
}

// call negotiates the API version, then runs fn under p and returns its
// error classified with op in front.
func (e *Engine) call(ctx context.Context, op string, p policy, fn func(context.Context) error) error {
	if _, err := e.APIVersion(ctx); err != nil {
		return err
	}
	return e.wrap(op, e.retry(ctx, p, fn))
}

// retry runs fn until it succeeds, fails for good, or maxRetries retries
// are spent, sleeping with exponential backoff in between. It returns fn's
// last error unclassified.
func (e *Engine) retry(ctx context.Context, p policy, fn func(context.Context) error) error {
	backoff := firstBackoff
	for try := 0; ; try++ {
		a := &attempt{}
		callCtx, done := ctx, context.CancelFunc(func() {})
		if p == once {
			callCtx, done = finishing(ctx, e.grace)
		}
		err := fn(a.context(callCtx))
		done()
		if err == nil {
			return nil
		}
		if try > 0 && p == removal && cerrdefs.IsNotFound(err) {
			return nil
		}
		f := a.facts()
		if client.IsErrConnectionFailed(err) {
			err = &transportError{err: err, dialErr: f.dialErr, connected: f.connected}
		}
		if try == maxRetries || ctx.Err() != nil || !transient(p, err, f) {
			return err
		}
		if e.sleep(ctx, backoff) != nil {
			return err
		}
		backoff *= 2
	}
}

// finishing returns a context that outlives ctx's cancellation by up to
// grace, for a call whose effect the daemon completes regardless.
func finishing(ctx context.Context, grace time.Duration) (context.Context, context.CancelFunc) {
	fctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	stop := context.AfterFunc(ctx, func() {
		t := time.NewTimer(grace)
		defer t.Stop()
		select {
		case <-t.C:
			cancel()
		case <-fctx.Done():
		}
	})
	return fctx, func() {
		stop()
		cancel()
	}
}

// transient reports whether err may go away if the call is repeated, and
// whether repeating it is safe under p.
func transient(p policy, err error, f attemptFacts) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	// Nothing listens (yet): the daemon is restarting. A missing socket or a
	// dial timeout is not retried: the first means no daemon, the second
	// would multiply a long wait.
	refused := !f.connected && errors.Is(f.dialErr, syscall.ECONNREFUSED)
	if p == once {
		return refused
	}
	if refused {
		return true
	}
	if errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return true
	}
	// 5xx is the daemon failing, not the request being wrong; but the
	// failures berth explains (a taken port, a full disk) do not clear up
	// within a second, and 501 never does.
	return f.status >= 500 && f.status != http.StatusNotImplemented && !permanent(err)
}
