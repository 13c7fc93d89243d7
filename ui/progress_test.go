package ui

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

// fakeClock is a settable clock for deterministic timers and spinners.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func TestResolveProgress(t *testing.T) {
	tests := []struct {
		progress, ansi string
		tty            bool
		want           ProgressMode
		wantErr        bool
	}{
		{progress: "auto", ansi: "auto", tty: true, want: ProgressTTY},
		{progress: "", ansi: "auto", tty: false, want: ProgressPlain},
		{progress: "auto", ansi: "never", tty: true, want: ProgressPlain},
		{progress: "tty", ansi: "auto", tty: false, want: ProgressTTY},
		{progress: "tty", ansi: "never", tty: true, wantErr: true},
		{progress: "plain", ansi: "always", tty: true, want: ProgressPlain},
		{progress: "json", ansi: "auto", tty: true, want: ProgressJSON},
		{progress: "quiet", ansi: "auto", tty: true, want: ProgressQuiet},
		{progress: "none", ansi: "auto", tty: true, want: ProgressQuiet},
		{progress: "fancy", ansi: "auto", tty: true, wantErr: true},
	}
	for _, tt := range tests {
		name := fmt.Sprintf("%s/%s/tty=%v", tt.progress, tt.ansi, tt.tty)
		t.Run(name, func(t *testing.T) {
			got, err := ResolveProgress(tt.progress, tt.ansi, tt.tty)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ResolveProgress(%q, %q, %v) error %v, want error %v", tt.progress, tt.ansi, tt.tty, err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("ResolveProgress(%q, %q, %v) got %q, want %q", tt.progress, tt.ansi, tt.tty, got, tt.want)
			}
		})
	}
}

// sampleEvents is a small up: a network, then two containers, one failing.
func sampleEvents() []Event {
	return []Event{
		{ID: "Network shop_default", Status: StatusWorking, Text: "Creating"},
		{ID: "Network shop_default", Status: StatusDone, Text: "Created"},
		{ID: "Container shop-db-1", Status: StatusWorking, Text: "Creating"},
		{ID: "Container shop-web-1", Status: StatusWaiting, Text: "Waiting"},
		{ID: "Container shop-db-1", Status: StatusDone, Text: "Started"},
		{ID: "Container shop-web-1", Status: StatusError, Text: "Error", Err: errors.New("port is already allocated")},
	}
}

func TestPlainProgress(t *testing.T) {
	var out bytes.Buffer
	p := NewProgress(&out, ProgressOptions{Mode: ProgressPlain})
	for _, e := range sampleEvents() {
		p.Event(e)
	}
	p.Close()
	p.Event(Event{ID: "Container late", Status: StatusDone, Text: "Ignored"})
	want := strings.Join([]string{
		"Network shop_default  Creating",
		"Network shop_default  Created",
		"Container shop-db-1  Creating",
		"Container shop-web-1  Waiting",
		"Container shop-db-1  Started",
		"Container shop-web-1  Error  port is already allocated",
		"",
	}, "\n")
	if diff := cmp.Diff(want, out.String()); diff != "" {
		t.Errorf("plain progress (-want +got):\n%s", diff)
	}
}

func TestJSONProgress(t *testing.T) {
	var out bytes.Buffer
	// One second passes per event, so durations count events.
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tick := func() time.Time { now = now.Add(time.Second); return now }
	p := NewProgress(&out, ProgressOptions{Mode: ProgressJSON, Now: tick})
	for _, e := range sampleEvents() {
		p.Event(e)
	}
	p.Close()
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != len(sampleEvents()) {
		t.Fatalf("json progress got %d lines, want %d:\n%s", len(lines), len(sampleEvents()), out.String())
	}
	var last map[string]any
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &last); err != nil {
		t.Fatalf("json progress line %q: %v", lines[len(lines)-1], err)
	}
	want := map[string]any{"id": "Container shop-web-1", "resource": "container", "name": "shop-web-1",
		"status": "Error", "text": "Error", "error": "port is already allocated", "duration_ms": float64(2000)}
	if diff := cmp.Diff(want, last); diff != "" {
		t.Errorf("json progress last line (-want +got):\n%s", diff)
	}
	var first map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
		t.Fatal(err)
	}
	if _, ok := first["duration_ms"]; ok {
		t.Errorf("json progress line %q has a duration before the operation finished", lines[0])
	}
}

func TestQuietProgressWritesNothing(t *testing.T) {
	var out bytes.Buffer
	p := NewProgress(&out, ProgressOptions{Mode: ProgressQuiet})
	for _, e := range sampleEvents() {
		p.Event(e)
	}
	p.Interrupt()
	p.Close()
	if out.Len() != 0 {
		t.Errorf("quiet progress got %q, want nothing", out.String())
	}
}

func TestInterruptMarksOnlyUnfinished(t *testing.T) {
	var out bytes.Buffer
	p := NewProgress(&out, ProgressOptions{Mode: ProgressPlain})
	p.Event(Event{ID: "Container a", Status: StatusDone, Text: "Started"})
	p.Event(Event{ID: "Container b", Status: StatusWorking, Text: "Starting"})
	p.Event(Event{ID: "Container c", Status: StatusWaiting, Text: "Waiting"})
	out.Reset()
	p.Interrupt()
	p.Close()
	want := "Container b  Interrupted\nContainer c  Interrupted\n"
	if got := out.String(); got != want {
		t.Errorf("Interrupt() got %q, want %q", got, want)
	}
}

// ttyFrame feeds sample events to a live view at known times and returns a
// frame, without the redraw loop ever ticking.
func ttyFrame(color bool, width int) string {
	clock := newFakeClock()
	p := newTTY(&bytes.Buffer{}, ProgressOptions{Color: color, Width: width, Now: clock.Now, Tick: time.Hour})
	defer p.Close()
	for i, e := range sampleEvents() {
		if i == 4 {
			clock.advance(400 * time.Millisecond)
		}
		p.Event(e)
	}
	p.Event(Event{ID: "Container shop-worker-1", Status: StatusWorking, Text: "Starting"})
	clock.advance(1250 * time.Millisecond)
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.frame(clock.Now()), "\n") + "\n"
}

func TestTTYFrame(t *testing.T) {
	golden(t, "progress_tty.golden", ttyFrame(false, 0))
	golden(t, "progress_tty_color.golden", ttyFrame(true, 0))
}

func TestTTYFrameFitsWidth(t *testing.T) {
	for _, width := range []int{80, 50, 30} {
		t.Run(fmt.Sprint(width), func(t *testing.T) {
			for _, line := range strings.Split(strings.TrimSuffix(ttyFrame(false, width), "\n"), "\n") {
				if n := utf8.RuneCountInString(line); n >= width {
					t.Errorf("frame line %q is %d columns, want < %d", line, n, width)
				}
			}
		})
	}
}

func TestTTYRedrawsInPlace(t *testing.T) {
	var out bytes.Buffer
	clock := newFakeClock()
	p := newTTY(&out, ProgressOptions{Now: clock.Now, Tick: time.Hour})
	p.Event(Event{ID: "Container a", Status: StatusWorking, Text: "Starting"})
	p.Event(Event{ID: "Container b", Status: StatusWorking, Text: "Starting"})
	p.Interrupt() // draws the first frame: header + 2 lines
	p.Close()     // draws over it
	frames := strings.Split(out.String(), escHideCursor)
	if len(frames) != 3 {
		t.Fatalf("live view drew %d frames, want 2:\n%q", len(frames)-1, out.String())
	}
	if strings.Contains(frames[1], "\x1b[3A") {
		t.Errorf("first frame moves the cursor up: %q", frames[1])
	}
	if !strings.HasPrefix(frames[2], "\x1b[3A") {
		t.Errorf("second frame got %q, want it to start by moving up 3 lines", frames[2])
	}
	if !strings.Contains(frames[2], "Interrupted") {
		t.Errorf("final frame got %q, want it to say Interrupted", frames[2])
	}
}

func TestProgressConcurrentEvents(t *testing.T) {
	for _, mode := range []ProgressMode{ProgressTTY, ProgressPlain, ProgressJSON} {
		t.Run(string(mode), func(t *testing.T) {
			var out syncBuffer
			p := NewProgress(&out, ProgressOptions{Mode: mode, Tick: time.Millisecond})
			var wg sync.WaitGroup
			for i := range 8 {
				wg.Go(func() {
					for j := range 20 {
						p.Event(Event{ID: fmt.Sprintf("Container c-%d", i), Status: StatusWorking, Text: fmt.Sprint(j)})
					}
					p.Event(Event{ID: fmt.Sprintf("Container c-%d", i), Status: StatusDone, Text: "Started"})
				})
			}
			wg.Wait()
			p.Close()
			if got := strings.Count(out.String(), "Started"); got < 8 {
				t.Errorf("%s progress shows %d finished containers, want 8", mode, got)
			}
		})
	}
}

// syncBuffer is a bytes.Buffer safe for the redraw loop and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
