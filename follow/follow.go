// Package follow stays with containers while a command is attached to
// them: it copies their output to the terminal, records how each one
// exits, and decides when one exit must end the others' run (compose's
// --abort-on-container-exit and --abort-on-container-failure), or when an
// interrupt must. `up` uses it after applying its plan; `run`, `attach` and
// `wait` can use it for the same bookkeeping.
//
// # Usage
//
//	res, err := follow.Run(ctx, eng, mux, targets, follow.Options{
//		Cascade: follow.OnExit,
//		Stop:    func(ctx context.Context) error { return stopTheProject(ctx) },
//	})
//	code := res.Code("check") // --exit-code-from check
//
// Run never stops containers itself: Stop is the caller's, called at most
// once, so the caller decides what "the rest" is and takes whatever lock
// stopping needs.
//
// # Concurrency
//
// One goroutine per target follows its output and then waits for its exit.
// The streams outlive an interrupt: while containers are stopped their last
// words and exit codes still show, as with compose. A stream that does not
// end within Options.Drain after Stop (a stop that failed) is cut off.
package follow

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/ui"
)

// Engine is what following needs from a container engine.
type Engine interface {
	Logs(ctx context.Context, id string, opts engine.LogOptions, stdout, stderr io.Writer) error
	WaitContainer(ctx context.Context, id string) (int, error)
}

// Cascade says which exit ends the run of the other containers.
type Cascade int

const (
	// Never: follow until every target has exited or ctx ends.
	Never Cascade = iota
	// OnExit: the first exit stops the rest (--abort-on-container-exit).
	OnExit
	// OnFailure: the first non-zero exit stops the rest
	// (--abort-on-container-failure).
	OnFailure
)

// cascades reports whether an exit with code ends the others' run.
func (c Cascade) cascades(code int) bool {
	return c == OnExit || (c == OnFailure && code != 0)
}

// Target is one container to follow.
type Target struct {
	Name    string // as output shows it, e.g. "web-1"
	Service string
	ID      string
	// Logs selects the output to copy: Follow is always set; Since keeps a
	// container that was already running from repeating old output.
	Logs engine.LogOptions
	// Quiet targets print nothing, but their exits count (compose's
	// --no-attach and services left out of --attach).
	Quiet bool
}

// Options control Run.
type Options struct {
	Cascade Cascade
	// Stop stops the containers still running. Run calls it at most once:
	// when an exit cascades, or when ctx ends (an interrupt), then with a
	// context that no longer cancels.
	Stop func(ctx context.Context) error
	// Notify, when set, is told why Run calls Stop, before it does: compose
	// prints "Aborting on container exit..." or "Gracefully stopping...".
	Notify func(Event)
	// Drain bounds how long output may keep flowing after Stop; zero means
	// DefaultDrain.
	Drain time.Duration
	// Exited, when set, is told of each exit as it is seen, one call at a
	// time (`wait` prints them).
	Exited func(Exit)
}

// DefaultDrain is how long output may keep flowing after the containers
// were told to stop.
const DefaultDrain = 5 * time.Second

// Event is why Run stops the containers.
type Event int

const (
	// Aborting: an exit cascaded.
	Aborting Event = iota + 1
	// Interrupted: ctx ended, the user pressed Ctrl-C.
	Interrupted
)

// Exit is one target's exit as seen while following.
type Exit struct {
	Name    string
	Service string
	ID      string
	Code    int
}

// Result is what happened while following.
type Result struct {
	// Exits are the targets' exits in the order they were seen; the last
	// exit of one target counts when it appears twice.
	Exits []Exit
	// Cause is the exit that cascaded, nil when none did.
	Cause *Exit
	// Interrupted is set when ctx ended before the targets did.
	Interrupted bool
}

// Code is the exit code of an attached command, by compose's rule: with
// from set, the last exit code of that service's container (so the code it
// exited with when another service's exit stopped it); otherwise the code of
// the exit that cascaded, and 0 when none did.
func (r Result) Code(from string) int {
	if from == "" {
		if r.Cause == nil {
			return 0
		}
		return r.Cause.Code
	}
	code := 0
	for _, e := range r.Exits {
		if e.Service == from {
			code = e.Code
		}
	}
	return code
}

// Run follows targets until they have all exited, one exit cascades, or ctx
// ends; in the last two cases it calls opts.Stop and keeps following, for
// up to opts.Drain, while the containers stop. The error is a stream's or
// Stop's; an interrupt is not an error but Result.Interrupted.
//
// out prints the targets' output and their exit lines; with a nil out
// nothing is printed and only the exits are recorded.
func Run(ctx context.Context, eng Engine, out *ui.LogMux, targets []Target, opts Options) (Result, error) {
	drain := opts.Drain
	if drain == 0 {
		drain = DefaultDrain
	}
	logCtx, stopLogs := context.WithCancel(context.WithoutCancel(ctx))
	defer stopLogs()
	var (
		mu      sync.Mutex
		res     Result
		aborted = make(chan struct{}) // closed once, by the first exit that cascades
	)
	var g errgroup.Group
	for _, t := range targets {
		g.Go(func() error {
			code, err := followOne(logCtx, eng, out, t)
			if err != nil || logCtx.Err() != nil {
				return err
			}
			if !t.Quiet && out != nil {
				out.Status(t.Name, fmt.Sprintf("exited with code %d", code))
			}
			mu.Lock()
			defer mu.Unlock()
			e := Exit{Name: t.Name, Service: t.Service, ID: t.ID, Code: code}
			res.Exits = append(res.Exits, e)
			if opts.Exited != nil {
				opts.Exited(e)
			}
			if res.Cause == nil && opts.Cascade.cascades(code) {
				res.Cause = &e
				close(aborted)
			}
			return nil
		})
	}
	var streamErr error
	done := make(chan struct{})
	go func() {
		streamErr = g.Wait()
		close(done)
	}()

	var stopErr error
	stop := func(stopCtx context.Context, why Event) {
		if opts.Notify != nil {
			opts.Notify(why)
		}
		if opts.Stop != nil {
			stopErr = opts.Stop(stopCtx)
		}
	}
	select {
	case <-done:
		return res, streamErr
	case <-ctx.Done():
		stop(context.WithoutCancel(ctx), Interrupted)
	case <-aborted:
		stop(ctx, Aborting)
	}
	select {
	case <-done:
	case <-time.After(drain):
		stopLogs()
		<-done
	}
	mu.Lock()
	defer mu.Unlock()
	res.Interrupted = ctx.Err() != nil
	return res, errors.Join(streamErr, stopErr)
}

// followOne copies one target's output until the stream ends, then
// returns the container's exit code. A cancelled ctx returns quietly.
func followOne(ctx context.Context, eng Engine, out *ui.LogMux, t Target) (int, error) {
	if !t.Quiet && out != nil {
		stdout, stderr := out.Writers(t.Name)
		opts := t.Logs
		opts.Follow = true
		err := eng.Logs(ctx, t.ID, opts, stdout, stderr)
		stdout.Flush()
		stderr.Flush()
		if ctx.Err() != nil {
			return 0, nil
		}
		if err != nil {
			// The engine names the call and the container's ID; the name is
			// what the user knows it by.
			return 0, fmt.Errorf("%s: %w", t.Name, err)
		}
	}
	code, err := eng.WaitContainer(ctx, t.ID)
	if ctx.Err() != nil {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("%s: %w", t.Name, err)
	}
	return code, nil
}
