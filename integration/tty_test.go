//go:build linux

package integration

import (
	"bytes"
	"context"
	"io"
	"strings"
	"syscall"
	"testing"

	"github.com/creack/pty"
)

// onTerminal runs `berth -p PROJECT args...` on a pseudo-terminal of 31
// rows and 97 columns, as a user at a shell would, and returns its exit
// code and what the terminal showed.
func (s *stack) onTerminal(args ...string) (int, string) {
	s.t.Helper()
	ptmx, tty, err := pty.Open()
	if err != nil {
		s.t.Fatalf("open a pseudo-terminal: %v", err)
	}
	defer ptmx.Close()
	if err := pty.Setsize(ptmx, &pty.Winsize{Rows: 31, Cols: 97}); err != nil {
		s.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), berthTimeout)
	defer cancel()
	cmd := berthCommand(ctx, s.dir, append([]string{"-p", s.project}, args...)...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = tty, tty, tty
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	if err := cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	tty.Close()
	var out bytes.Buffer
	copied := make(chan struct{})
	go func() {
		// Reading ends with EIO once berth, the last holder of the
		// terminal, exits.
		_, _ = io.Copy(&out, ptmx)
		close(copied)
	}()
	_ = cmd.Wait()
	<-copied
	return cmd.ProcessState.ExitCode(), strings.ReplaceAll(out.String(), "\r", "")
}

// ttyProbe prints is-a-tty when both stdin and stdout are terminals, then
// the terminal's size, and exits 5. The size is sent once the process
// runs; the sleep lets it land before stty reads it.
var ttyProbe = []string{"sh", "-c", "test -t 0 && test -t 1 && echo is-a-tty; sleep 1; stty size; exit 5"}

func TestRunInTerminalGetsATTY(t *testing.T) {
	t.Parallel()
	s := shellStack(t, runCompose)
	code, out := s.onTerminal(append([]string{"run", "--rm", "--no-deps", "app"}, ttyProbe...)...)
	if code != 5 || !strings.Contains(out, "is-a-tty\n") || !strings.Contains(out, "31 97\n") {
		t.Errorf("run in a terminal: exit %d, output %q; want exit 5, is-a-tty and the size 31 97", code, out)
	}
	if left := s.oneOffs(); len(left) != 0 {
		t.Errorf("run --rm left %v", left)
	}
}

func TestExecInTerminalGetsATTY(t *testing.T) {
	t.Parallel()
	s := shellStack(t, runCompose)
	s.mustBerth("up", "-d", "--no-deps", "app")
	code, out := s.onTerminal(append([]string{"exec", "app"}, ttyProbe...)...)
	if code != 5 || !strings.Contains(out, "is-a-tty\n") || !strings.Contains(out, "31 97\n") {
		t.Errorf("exec in a terminal: exit %d, output %q; want exit 5, is-a-tty and the size 31 97", code, out)
	}
}
