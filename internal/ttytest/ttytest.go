// Package ttytest drives the shell that the native engine's tty exec tests
// run in a container, a loop that prints its terminal's size (`stty size`)
// for each line it reads, to watch a resize arrive.
package ttytest

import (
	"bufio"
	"io"
	"strings"
	"testing"
	"time"
)

// Probe asks that shell for its size through in and reads the answers from
// its output.
type Probe struct {
	in    io.Writer
	lines chan string
}

// NewProbe starts reading out, the shell's terminal output, line by line.
func NewProbe(in io.Writer, out io.Reader) *Probe {
	p := &Probe{in: in, lines: make(chan string, 64)} // more than a test reads between writes
	go func() {
		defer close(p.lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			p.lines <- strings.TrimSpace(sc.Text())
		}
	}()
	return p
}

// WaitSize asks for the size until the shell prints want ("ROWS COLS"),
// failing the test after 30 s or if the output ends first.
func (p *Probe) WaitSize(t *testing.T, want string) {
	t.Helper()
	seen := map[string]bool{}
	deadline := time.After(30 * time.Second)
	for {
		if _, err := io.WriteString(p.in, "\n"); err != nil {
			t.Fatalf("write to the exec: %v", err)
		}
		select {
		case l, ok := <-p.lines:
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
			t.Fatalf("no size %q within 30s; printed %v", want, seen)
		}
	}
}

// Quit ends the shell's loop and drains its output, so that the exec can
// end without blocking on a full pipe.
func (p *Probe) Quit(t *testing.T) {
	t.Helper()
	if _, err := io.WriteString(p.in, "q\n"); err != nil {
		t.Fatal(err)
	}
	go func() {
		for range p.lines {
		}
	}()
}
