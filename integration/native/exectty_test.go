package native

import (
	"bufio"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
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
	lines := make(chan string, 64) // more than the test reads between writes
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(term)
		for sc.Scan() {
			lines <- strings.TrimSpace(sc.Text())
		}
	}()
	waitSize := func(want string) {
		t.Helper()
		seen := map[string]bool{}
		deadline := time.After(30 * time.Second)
		for {
			if _, err := io.WriteString(term, "\n"); err != nil {
				t.Fatalf("write to berth exec: %v", err)
			}
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatalf("berth exec ended before printing %q; printed %v", want, seen)
				}
				if l == want {
					return
				}
				if l != "" {
					seen[l] = true
				}
				time.Sleep(20 * time.Millisecond) // a resize applies asynchronously
			case <-deadline:
				t.Fatalf("no size %q within 30s; printed %v", want, seen)
			}
		}
	}
	waitSize("30 100")
	if err := pty.Setsize(term, &pty.Winsize{Rows: 40, Cols: 120}); err != nil {
		t.Fatal(err)
	}
	waitSize("40 120")
	if _, err := io.WriteString(term, "q\n"); err != nil {
		t.Fatal(err)
	}
	go func() {
		for range lines {
		}
	}()
	select {
	case <-waited:
		if waitErr != nil {
			t.Errorf("berth exec: %v", waitErr)
		}
	case <-ctx.Done():
		t.Fatal("berth exec did not end after q")
	}
}
