package fake

import (
	"context"
	"fmt"
	"io"
	"strconv"

	"github.com/berth-dev/berth/engine"
)

var (
	_ engine.Attacher = (*Engine)(nil)
	_ engine.Executor = (*Engine)(nil)
)

// ExecFunc plays the process Exec runs: it may read s.Stdin and write to
// s.Stdout and s.Stderr as the process would, and returns its exit code. c
// is the container as it is when the exec starts.
type ExecFunc func(c engine.Container, spec engine.ExecSpec, s engine.Streams) int

// SetExec scripts Exec. Without it, a command of ["exit", "N"] exits with N
// and any other exits 0, printing nothing.
func (f *Engine) SetExec(fn ExecFunc) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.exec = fn
}

// Exec runs spec in a running container through the ExecFunc set by
// SetExec; a container that is not running is an ErrConflict, as with
// Docker. With Detach the ExecFunc still runs, with no streams.
func (f *Engine) Exec(ctx context.Context, id string, spec engine.ExecSpec, s engine.Streams) (int, error) {
	f.record("Exec", id)
	if err := hook2(ctx, "exec in container "+short(id), f.Hooks.Exec, id, spec); err != nil {
		return 0, err
	}
	f.mu.Lock()
	c, err := f.containerLocked("exec in", id)
	if err != nil {
		f.mu.Unlock()
		return 0, err
	}
	if c.c.State != stateRunning {
		f.mu.Unlock()
		return 0, fmt.Errorf("exec in container %s: container %s is not running: %w", short(id), c.c.Name, engine.ErrConflict)
	}
	view, fn := c.view(), f.exec
	f.mu.Unlock()
	if spec.Detach {
		s = engine.Streams{Stdout: io.Discard, Stderr: io.Discard}
	}
	if s.Stdout == nil {
		s.Stdout = io.Discard
	}
	if s.Stderr == nil || s.TTY {
		s.Stderr = s.Stdout
	}
	if fn == nil {
		fn = defaultExec
	}
	code := fn(view, spec, s)
	if spec.Detach {
		return 0, nil
	}
	return code, nil
}

func defaultExec(_ engine.Container, spec engine.ExecSpec, _ engine.Streams) int {
	if len(spec.Cmd) == 2 && spec.Cmd[0] == "exit" {
		if n, err := strconv.Atoi(spec.Cmd[1]); err == nil {
			return n
		}
	}
	return 0
}

// AttachContainer attaches to a container. Its wait writes the output set
// by SetLogs once the container's run ends (everything to Stdout when the
// service has a TTY), and reads Stdin to its end, recorded for [Engine.Stdin].
// A container that is removed or stops ends the wait; so does ctx, with
// nothing written.
func (f *Engine) AttachContainer(ctx context.Context, id string, s engine.Streams) (func() error, error) {
	f.record("AttachContainer", id)
	if err := hook1(ctx, "attach to container "+short(id), f.Hooks.AttachContainer, id); err != nil {
		return nil, err
	}
	f.mu.Lock()
	c, err := f.containerLocked("attach to", id)
	if err != nil {
		f.mu.Unlock()
		return nil, err
	}
	ended := make(chan struct{})
	if c.c.State == stateRunning || c.c.State == stateCreated {
		c.attached = append(c.attached, ended)
	} else {
		close(ended) // Docker ends an attach to a stopped container at once
	}
	tty := c.spec.Service.Tty
	f.mu.Unlock()
	return func() error {
		if s.Stdin != nil {
			in, _ := io.ReadAll(s.Stdin)
			f.mu.Lock()
			c.stdin += string(in)
			f.mu.Unlock()
		}
		select {
		case <-ended:
		case <-ctx.Done():
			return nil
		}
		f.mu.Lock()
		out, errOut := c.stdout, c.stderr
		f.mu.Unlock()
		stdout, stderr := s.Stdout, s.Stderr
		if stdout == nil {
			stdout = io.Discard
		}
		if stderr == nil || tty {
			stderr = stdout
		}
		if _, err := io.WriteString(stdout, out); err != nil {
			return fmt.Errorf("attach to container %s: write stdout: %w", short(id), err)
		}
		if _, err := io.WriteString(stderr, errOut); err != nil {
			return fmt.Errorf("attach to container %s: write stderr: %w", short(id), err)
		}
		return nil
	}, nil
}

// Stdin returns what attached clients fed a container's input.
func (f *Engine) Stdin(id string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.containerLocked("stdin of", id)
	if err != nil {
		return "", err
	}
	return c.stdin, nil
}

// detach ends the container's attachments; callers hold f.mu.
func (c *container) detach() {
	for _, ch := range c.attached {
		close(ch)
	}
	c.attached = nil
}
