package monitor

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// TestExecTTYResize runs a shell in a terminal that prints the terminal's
// size for each line it reads: the first size is there from the start,
// and a later one reaches the process.
func TestExecTTYResize(t *testing.T) {
	c := newContainer(t, containerOpts{args: []string{"sleep", "1000"}})
	startMonitor(t, c)
	c.waitState(t, "running", func(s State) bool { return s.Status == StatusRunning })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	sizes := make(chan TermSize, 1) // as the engine's: the latest size only
	sizes <- TermSize{Rows: 30, Cols: 100}
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	lines := make(chan string, 64) // more than the test reads before it stops writing
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(outR)
		for sc.Scan() {
			lines <- strings.TrimSpace(sc.Text())
		}
	}()
	proc := &specs.Process{
		Terminal: true,
		Args:     []string{"sh", "-c", `while read x && [ "$x" != q ]; do busybox stty size; done`},
		Env:      []string{"PATH=/bin"},
		Cwd:      "/",
	}
	procJSON, err := json.Marshal(proc)
	if err != nil {
		t.Fatal(err)
	}
	type result struct {
		code int
		err  error
	}
	done := make(chan result, 1)
	go func() {
		code, err := c.runc.ExecTTY(ctx, c.id, procJSON, inR, outW, sizes)
		outW.Close()
		done <- result{code, err}
	}()
	// waitSize asks for the size until it is want.
	waitSize := func(want string) {
		t.Helper()
		seen := map[string]bool{}
		deadline := time.After(20 * time.Second)
		for {
			if _, err := io.WriteString(inW, "\n"); err != nil {
				t.Fatalf("write to the exec: %v", err)
			}
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatalf("the exec ended before printing %q; printed %v", want, seen)
				}
				if l == want {
					return
				}
				if l != "" {
					seen[l] = true
				}
				time.Sleep(10 * time.Millisecond) // a resize applies asynchronously
			case <-deadline:
				t.Fatalf("no size %q within 20s; printed %v", want, seen)
			}
		}
	}
	waitSize("30 100")
	sizes <- TermSize{Rows: 40, Cols: 120}
	waitSize("40 120")
	if _, err := io.WriteString(inW, "q\n"); err != nil {
		t.Fatal(err)
	}
	go func() {
		for range lines {
		}
	}()
	if r := <-done; r.err != nil || r.code != 0 {
		t.Errorf("ExecTTY = %d, %v; want 0", r.code, r.err)
	}
}
