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

// TestRunInTerminalGetsATTY runs berth on a pseudo-terminal, as a user at
// a shell would: the one-off container must get a TTY of the terminal's
// size.
func TestRunInTerminalGetsATTY(t *testing.T) {
	t.Parallel()
	s := shellStack(t, runCompose)
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Fatalf("open a pseudo-terminal: %v", err)
	}
	defer ptmx.Close()
	if err := pty.Setsize(ptmx, &pty.Winsize{Rows: 31, Cols: 97}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), berthTimeout)
	defer cancel()
	// The size is sent once the container runs; the sleep lets it land
	// before stty reads it.
	cmd := berthCommand(ctx, s.dir, "-p", s.project, "run", "--rm", "--no-deps", "app",
		"sh", "-c", "test -t 0 && test -t 1 && echo is-a-tty; sleep 1; stty size; exit 5")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = tty, tty, tty
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
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
	err = cmd.Wait()
	<-copied
	code := cmd.ProcessState.ExitCode()
	text := strings.ReplaceAll(out.String(), "\r", "")
	if code != 5 || !strings.Contains(text, "is-a-tty\n") || !strings.Contains(text, "31 97\n") {
		t.Errorf("run in a terminal: exit %d (%v), output %q; want exit 5, is-a-tty and the size 31 97", code, err, text)
	}
	if left := s.oneOffs(); len(left) != 0 {
		t.Errorf("run --rm left %v", left)
	}
}
