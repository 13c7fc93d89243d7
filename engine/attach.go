package engine

import (
	"context"
	"io"
)

// Streams connect a process's standard streams to the caller's.
type Streams struct {
	// Stdin feeds the process; nil attaches no input. When it ends the
	// process's input is closed.
	Stdin  io.Reader
	Stdout io.Writer
	// Stderr receives the process's error output; with TTY set a terminal
	// has one stream only, and everything goes to Stdout.
	Stderr io.Writer
	TTY    bool
	// Resize delivers the caller's terminal size whenever it changes, the
	// first time once the process runs; nil when there is no terminal. The
	// engine stops reading it when the streams end.
	Resize <-chan Size
}

// Size is a terminal's size in character cells.
type Size struct {
	Height, Width uint
}

// Attacher connects to the standard streams of a container's main process,
// as `docker attach` and `docker run` do.
type Attacher interface {
	// AttachContainer connects s to container id and returns once attached,
	// so that a container started afterwards loses no output. wait then
	// copies until the container's output ends (it exited) or ctx ends, and
	// returns nil in both cases; the exit code comes from WaitContainer.
	// Only the Resize sizes sent after the container started can apply.
	AttachContainer(ctx context.Context, id string, s Streams) (wait func() error, err error)
}

// ExecSpec is a process to run inside a running container.
type ExecSpec struct {
	Cmd        []string
	Env        []string // KEY=VALUE, on top of the container's own
	User       string
	WorkingDir string
	Privileged bool
	// Detach starts the process and returns without waiting for it.
	Detach bool
}

// Executor runs processes inside running containers, as `docker exec` does.
type Executor interface {
	// Exec runs spec in container id with s connected and returns the
	// process's exit code once it has ended (0 at once with Detach). A
	// container that is not running is an ErrConflict.
	Exec(ctx context.Context, id string, spec ExecSpec, s Streams) (code int, err error)
}
