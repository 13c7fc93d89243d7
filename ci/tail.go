package ci

import (
	"strings"
	"sync"
)

// Tail is an io.Writer that keeps the last N lines written to it, for the
// report's excerpt of output that was streamed elsewhere. It is safe for
// concurrent writes (a container's stdout and stderr).
type Tail struct {
	mu    sync.Mutex
	n     int
	lines []string
	part  strings.Builder
}

// NewTail keeps n lines; n <= 0 keeps none.
func NewTail(n int) *Tail { return &Tail{n: n} }

func (t *Tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, r := range string(p) {
		if r != '\n' {
			t.part.WriteRune(r)
			continue
		}
		t.push(t.part.String())
		t.part.Reset()
	}
	return len(p), nil
}

func (t *Tail) push(line string) {
	if t.n <= 0 {
		return
	}
	t.lines = append(t.lines, strings.TrimSuffix(line, "\r"))
	if len(t.lines) > t.n {
		t.lines = t.lines[len(t.lines)-t.n:]
	}
}

// Lines returns the kept lines, an unfinished last line included.
func (t *Tail) Lines() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := append([]string(nil), t.lines...)
	if t.part.Len() > 0 && t.n > 0 {
		out = append(out, t.part.String())
		if len(out) > t.n {
			out = out[1:]
		}
	}
	return out
}
