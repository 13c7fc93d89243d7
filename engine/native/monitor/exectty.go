package monitor

import (
	"context"
	"io"
	"os"
	"os/exec"
	"syscall"

	"github.com/creack/pty"
)

// TermSize is a terminal's size in character cells.
type TermSize struct {
	Rows, Cols uint16
}

// ExecTTY is Exec of a process (JSON, as for Exec) with a terminal whose size
// follows sizes: the first, when ready before the process starts, is its
// initial size, and each later one resizes it, as `docker exec -t` does.
func (r Runc) ExecTTY(ctx context.Context, id string, process []byte, stdin io.Reader, stdout io.Writer, sizes <-chan TermSize) (int, error) {
	return r.execProcess(ctx, id, process, true, stdin, stdout, nil, sizes)
}

// followSizes sets each size from sizes on the pty master that cmd (a
// foreground `runc exec`) has the other end of as stdio, until the
// returned func is called. runc copies its terminal's size to the
// container's when it starts and on SIGWINCH; making our pty the
// controlling terminal of a new session led by runc has the kernel send
// runc that signal on every resize, whenever it comes, so no pid needs
// tracking and no resize is lost between fork and runc's signal handler:
// runc reads the size afresh at start.
func followSizes(cmd *exec.Cmd, master *os.File, sizes <-chan TermSize) (stop func()) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	// Ctty is a descriptor in the child: stdin, the pty's other end.
	cmd.SysProcAttr.Setsid, cmd.SysProcAttr.Setctty, cmd.SysProcAttr.Ctty = true, true, 0
	set := func(sz TermSize) { _ = pty.Setsize(master, &pty.Winsize{Rows: sz.Rows, Cols: sz.Cols}) }
	select {
	case sz, ok := <-sizes:
		if ok {
			set(sz)
		}
	default:
	}
	done, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		for {
			select {
			case <-done:
				return
			case sz, ok := <-sizes:
				if !ok {
					return
				}
				// A failure is cosmetic: the terminal keeps its size.
				set(sz)
			}
		}
	}()
	// The caller closes master next: the goroutine must be done with it.
	return func() {
		close(done)
		<-stopped
	}
}
