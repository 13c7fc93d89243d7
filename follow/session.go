package follow

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/ui"
)

// Console is the user's side of one attached process (run, exec, attach).
type Console struct {
	// Stdin feeds the process; nil attaches no input.
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// TTY hands the user's terminal over: Stdin goes raw, so that keys
	// (Ctrl-C included) reach the process, and size changes follow.
	TTY bool
}

// ContainerEngine is what staying with one container needs.
type ContainerEngine interface {
	engine.Attacher
	StartContainer(ctx context.Context, id string) error
	StopContainer(ctx context.Context, id string, timeout *time.Duration) error
	WaitContainer(ctx context.Context, id string) (int, error)
}

// Container attaches c to container id, starts it when start is set, and
// returns its exit code once it has exited. Attaching comes first so that
// no output is lost. When ctx ends first (an interrupt without a TTY, where
// Ctrl-C stays with berth) the container is stopped and its exit code is
// still returned, as compose forwards the signal and reports the result.
func Container(ctx context.Context, eng ContainerEngine, id string, c Console, start bool) (int, error) {
	started := make(chan struct{})
	restore, streams, err := connect(ctx, c, started)
	if err != nil {
		return 0, err
	}
	defer restore()
	wait, err := eng.AttachContainer(ctx, id, streams)
	if err != nil {
		return 0, err
	}
	if start {
		if err := eng.StartContainer(ctx, id); err != nil {
			return 0, err
		}
	}
	close(started)
	if err := wait(); err != nil {
		return 0, err
	}
	if ctx.Err() != nil {
		stopCtx := context.WithoutCancel(ctx)
		if err := eng.StopContainer(stopCtx, id, nil); err != nil {
			return 0, err
		}
		ctx = stopCtx
	}
	return eng.WaitContainer(ctx, id)
}

// Exec runs spec in container id with c attached and returns its exit
// code. An interrupt without a TTY ends only berth's side: the daemon has
// no way to signal an exec.
func Exec(ctx context.Context, eng engine.Executor, id string, spec engine.ExecSpec, c Console) (int, error) {
	started := make(chan struct{})
	close(started) // the exec exists once the engine starts copying
	restore, streams, err := connect(ctx, c, started)
	if err != nil {
		return 0, err
	}
	defer restore()
	return eng.Exec(ctx, id, spec, streams)
}

// connect turns c into the engine's streams, with the terminal in raw mode
// and its sizes flowing once started is closed when c.TTY. restore must be
// called on every path.
func connect(ctx context.Context, c Console, started <-chan struct{}) (restore func(), s engine.Streams, err error) {
	s = engine.Streams{Stdin: c.Stdin, Stdout: c.Stdout, Stderr: c.Stderr, TTY: c.TTY}
	if !c.TTY || !ui.IsTerminalReader(c.Stdin) {
		return func() {}, s, nil
	}
	raw, err := ui.MakeRaw(c.Stdin)
	if err != nil {
		return nil, engine.Streams{}, err
	}
	sizeCtx, stopSizes := context.WithCancel(ctx)
	s.Resize = ui.WatchSize(sizeCtx, c.Stdout, started)
	return func() {
		stopSizes()
		if err := raw.Restore(); err != nil && c.Stderr != nil {
			fmt.Fprintf(c.Stderr, "berth: %v\n", err)
		}
	}, s, nil
}
