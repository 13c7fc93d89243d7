package docker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/client"

	"github.com/berth-dev/berth/engine"
)

var (
	_ engine.Attacher = (*Engine)(nil)
	_ engine.Executor = (*Engine)(nil)
)

// AttachContainer connects s to id's main process. Whether the output is
// one raw stream or stdout and stderr multiplexed depends on the
// container's own TTY, which API 1.41 does not announce on the attach
// response, so it is inspected first; s.TTY is not consulted.
func (e *Engine) AttachContainer(ctx context.Context, id string, s engine.Streams) (func() error, error) {
	op := "attach to container " + shortRef(id)
	info, err := e.inspectContainer(ctx, op, id)
	if err != nil {
		return nil, err
	}
	tty := info.Container.Config != nil && info.Container.Config.Tty
	var res client.ContainerAttachResult
	// Attaching twice would copy the input twice: only a call that never
	// reached the daemon is repeated.
	err = e.call(ctx, op, once, func(ctx context.Context) error {
		var err error
		res, err = e.cli.ContainerAttach(ctx, id, client.ContainerAttachOptions{
			Stream: true,
			Stdin:  s.Stdin != nil,
			Stdout: true,
			Stderr: true,
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	resize := func(ctx context.Context, sz engine.Size) error {
		_, err := e.cli.ContainerResize(ctx, id, client.ContainerResizeOptions{Height: sz.Height, Width: sz.Width})
		return err
	}
	return func() error {
		defer res.Close()
		return e.wrap(op, pump(ctx, res.HijackedResponse, s, tty, resize))
	}, nil
}

// Exec runs spec in id: create, then start attached (or detached), then
// inspect for the exit code.
func (e *Engine) Exec(ctx context.Context, id string, spec engine.ExecSpec, s engine.Streams) (int, error) {
	op := "exec in container " + shortRef(id)
	attach := !spec.Detach
	var created client.ExecCreateResult
	err := e.call(ctx, op, once, func(ctx context.Context) error {
		var err error
		created, err = e.cli.ExecCreate(ctx, id, client.ExecCreateOptions{
			User:         spec.User,
			Privileged:   spec.Privileged,
			TTY:          s.TTY,
			AttachStdin:  attach && s.Stdin != nil,
			AttachStdout: attach,
			AttachStderr: attach,
			Env:          spec.Env,
			WorkingDir:   spec.WorkingDir,
			Cmd:          spec.Cmd,
		})
		return err
	})
	if err != nil {
		return 0, err
	}
	if !attach {
		return 0, e.call(ctx, op, once, func(ctx context.Context) error {
			_, err := e.cli.ExecStart(ctx, created.ID, client.ExecStartOptions{Detach: true, TTY: s.TTY})
			return err
		})
	}
	var res client.ExecAttachResult
	err = e.call(ctx, op, once, func(ctx context.Context) error {
		var err error
		res, err = e.cli.ExecAttach(ctx, created.ID, client.ExecAttachOptions{TTY: s.TTY})
		return err
	})
	if err != nil {
		return 0, err
	}
	resize := func(ctx context.Context, sz engine.Size) error {
		_, err := e.cli.ExecResize(ctx, created.ID, client.ExecResizeOptions{Height: sz.Height, Width: sz.Width})
		return err
	}
	err = pump(ctx, res.HijackedResponse, s, s.TTY, resize)
	res.Close()
	if err != nil {
		return 0, e.wrap(op, err)
	}
	if ctx.Err() != nil {
		return 0, fmt.Errorf("%s: %w", op, ctx.Err())
	}
	return e.execExitCode(ctx, op, created.ID)
}

// execExitCode reads an ended exec's exit code. The output can end a moment
// before the daemon records the exit, so a still-running exec is asked again.
func (e *Engine) execExitCode(ctx context.Context, op, execID string) (int, error) {
	for try := 0; ; try++ {
		var info client.ExecInspectResult
		err := e.call(ctx, op, idempotent, func(ctx context.Context) error {
			var err error
			info, err = e.cli.ExecInspect(ctx, execID, client.ExecInspectOptions{})
			return err
		})
		if err != nil {
			return 0, err
		}
		if !info.Running || try == 50 {
			return info.ExitCode, nil
		}
		if err := e.sleep(ctx, 20*time.Millisecond); err != nil {
			return 0, fmt.Errorf("%s: %w", op, err)
		}
	}
}

// pump copies between s and a hijacked connection until the output ends or
// ctx does: input in the background (closing the write side at its end, so
// the process sees EOF), output demultiplexed unless tty, and terminal
// sizes forwarded through resize. Resize failures are dropped: a wrong size
// is cosmetic, and the process may not run yet or any more.
func pump(ctx context.Context, conn client.HijackedResponse, s engine.Streams, tty bool, resize func(context.Context, engine.Size) error) error {
	// Closing the connection is what ends a blocked copy when ctx ends.
	stop := context.AfterFunc(ctx, conn.Close)
	defer stop()
	if s.Stdin != nil {
		go func() {
			_, _ = io.Copy(conn.Conn, s.Stdin)
			_ = conn.CloseWrite()
		}()
	}
	done := make(chan struct{})
	defer close(done)
	if s.Resize != nil {
		go func() {
			for {
				select {
				case <-done:
					return
				case sz, ok := <-s.Resize:
					if !ok {
						return
					}
					_ = resize(ctx, sz)
				}
			}
		}()
	}
	stdout, stderr := s.Stdout, s.Stderr
	if stdout == nil {
		stdout = io.Discard
	}
	if stderr == nil {
		stderr = io.Discard
	}
	var err error
	if tty {
		_, err = io.Copy(stdout, conn.Reader)
	} else {
		_, err = stdcopy.StdCopy(stdout, stderr, conn.Reader)
	}
	if ctx.Err() != nil || errors.Is(err, io.EOF) {
		return nil
	}
	return err
}
