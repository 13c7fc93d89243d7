package native

import (
	"context"
	"testing"

	"github.com/creack/pty"

	"github.com/berth-dev/berth/internal/ttytest"
)

// TestExecTTYResize runs `berth exec` on a pty, as a user's terminal: the
// exec's terminal starts at the pty's size and follows its resize, which
// reaches berth as SIGWINCH.
func TestExecTTYResize(t *testing.T) {
	t.Parallel()
	s := newStack(t, `
services:
  sh:
    image: berth-busybox:latest
    command: ["sleep", "1000"]
`)
	s.mustBerth("up", "-d")
	ctx, cancel := context.WithTimeout(context.Background(), berthTimeout)
	defer cancel()
	cmd := berthCommand(ctx, s.dir, s.env, "-p", s.project, "exec", "sh", "sh", "-c", `while read x && [ "$x" != q ]; do stty size; done`)
	term, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 30, Cols: 100})
	if err != nil {
		t.Fatalf("start berth exec on a pty: %v", err)
	}
	defer term.Close()
	var waitErr error
	waited := make(chan struct{})
	go func() {
		waitErr = cmd.Wait()
		close(waited)
	}()
	t.Cleanup(func() {
		// A test that failed before berth ended must not leave it running.
		select {
		case <-waited:
		default:
			_ = cmd.Process.Kill()
			<-waited
		}
	})
	probe := ttytest.NewProbe(term, term)
	probe.WaitSize(t, "30 100")
	if err := pty.Setsize(term, &pty.Winsize{Rows: 40, Cols: 120}); err != nil {
		t.Fatal(err)
	}
	probe.WaitSize(t, "40 120")
	probe.Quit(t)
	select {
	case <-waited:
		if waitErr != nil {
			t.Errorf("berth exec: %v", waitErr)
		}
	case <-ctx.Done():
		t.Fatal("berth exec did not end after q")
	}
}
