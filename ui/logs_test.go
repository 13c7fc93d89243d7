package ui

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth-dev/berth/engine"
)

func TestLogMuxPrefix(t *testing.T) {
	sources := []LogSource{{Name: "web-1", Service: "web"}, {Name: "db-1", Service: "db"}, {Name: "worker-10", Service: "worker"}}
	tests := []struct {
		name   string
		opts   LogOptions
		source string
		input  string
		want   string
	}{
		{
			name:   "padded to the longest name plus one",
			opts:   LogOptions{Prefix: true},
			source: "db-1",
			input:  "ready\n",
			want:   "db-1       | ready\n",
		},
		{
			name:   "longest name",
			opts:   LogOptions{Prefix: true},
			source: "worker-10",
			input:  "a\nb\n",
			want:   "worker-10  | a\nworker-10  | b\n",
		},
		{
			name:   "no prefix",
			opts:   LogOptions{},
			source: "web-1",
			input:  "GET /\n",
			want:   "GET /\n",
		},
		{
			name:   "partial line held until flush",
			opts:   LogOptions{Prefix: true},
			source: "web-1",
			input:  "one\ntw",
			want:   "web-1      | one\nweb-1      | tw\n",
		},
		{
			name:   "timestamps pass through untouched",
			opts:   LogOptions{Prefix: true},
			source: "web-1",
			input:  "2026-01-02T03:04:05.000000000Z hello\n",
			want:   "web-1      | 2026-01-02T03:04:05.000000000Z hello\n",
		},
		{
			name:   "colour per service, db sorts first so it is cyan",
			opts:   LogOptions{Prefix: true, Color: true},
			source: "db-1",
			input:  "x\n",
			want:   "\x1b[36mdb-1       | \x1b[0mx\n",
		},
		{
			name:   "second service is yellow",
			opts:   LogOptions{Prefix: true, Color: true},
			source: "web-1",
			input:  "x\n",
			want:   "\x1b[33mweb-1      | \x1b[0mx\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			m := NewLogMux(&out, tt.opts, sources)
			stdout, _ := m.Writers(tt.source)
			if _, err := stdout.Write([]byte(tt.input)); err != nil {
				t.Fatal(err)
			}
			stdout.Flush()
			if got := out.String(); got != tt.want {
				t.Errorf("mux(%q, %q) got %q, want %q", tt.source, tt.input, got, tt.want)
			}
		})
	}
}

// A container's stderr is output like its stdout, as with compose, and a
// partial line on one stream is not joined to a line of the other.
func TestLogMuxStreamsShareOutput(t *testing.T) {
	var out bytes.Buffer
	m := NewLogMux(&out, LogOptions{Prefix: true}, []LogSource{{Name: "a-1", Service: "a"}})
	outw, errw := m.Writers("a-1")
	_, _ = outw.Write([]byte("half"))
	_, _ = errw.Write([]byte("boom\n"))
	outw.Flush()
	if want := "a-1  | boom\na-1  | half\n"; out.String() != want {
		t.Errorf("output %q, want %q", out.String(), want)
	}
}

func TestLogMuxAddWidensPrefixes(t *testing.T) {
	var out bytes.Buffer
	m := NewLogMux(&out, LogOptions{Prefix: true}, []LogSource{{Name: "a-1", Service: "a"}})
	m.Add(LogSource{Name: "longer-1", Service: "longer"})
	w, _ := m.Writers("a-1")
	_, _ = w.Write([]byte("x\n"))
	if want := "a-1       | x\n"; out.String() != want {
		t.Errorf("after Add got %q, want %q", out.String(), want)
	}
}

func TestLogMuxStatus(t *testing.T) {
	var out bytes.Buffer
	m := NewLogMux(&out, LogOptions{Prefix: true}, []LogSource{{Name: "web-1", Service: "web"}})
	m.Status("web-1", "exited with code 0")
	if want := "web-1 exited with code 0\n"; out.String() != want {
		t.Errorf("Status got %q, want %q", out.String(), want)
	}
}

// TestLogMuxNeverInterleaves writes lines in small random-sized chunks from
// several goroutines and checks that every output line is whole.
func TestLogMuxNeverInterleaves(t *testing.T) {
	var out bytes.Buffer
	names := []string{"a-1", "b-1", "c-1", "d-1"}
	var sources []LogSource
	for _, n := range names {
		sources = append(sources, LogSource{Name: n, Service: n[:1]})
	}
	m := NewLogMux(&out, LogOptions{Prefix: true}, sources)
	const lines = 200
	var wg sync.WaitGroup
	for _, n := range names {
		w, _ := m.Writers(n)
		wg.Go(func() {
			var all strings.Builder
			for i := range lines {
				fmt.Fprintf(&all, "%s line %03d %s\n", n, i, strings.Repeat("x", i%37))
			}
			data := []byte(all.String())
			for i := 0; i < len(data); {
				j := min(len(data), i+1+i%7)
				_, _ = w.Write(data[i:j])
				i = j
			}
			w.Flush()
		})
	}
	wg.Wait()
	got := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(got) != lines*len(names) {
		t.Fatalf("mux wrote %d lines, want %d", len(got), lines*len(names))
	}
	next := map[string]int{}
	for _, line := range got {
		prefix, body, ok := strings.Cut(line, "  | ")
		if !ok {
			t.Fatalf("line %q has no prefix", line)
		}
		i := next[prefix]
		want := fmt.Sprintf("%s line %03d %s", prefix, i, strings.Repeat("x", i%37))
		if diff := cmp.Diff(want, body); diff != "" {
			t.Fatalf("line of %s (-want +got):\n%s", prefix, diff)
		}
		next[prefix]++
	}
}

func TestLineWriterBoundsBuffer(t *testing.T) {
	var out bytes.Buffer
	m := NewLogMux(&out, LogOptions{}, nil)
	w, _ := m.Writers("a")
	_, _ = w.Write(bytes.Repeat([]byte("y"), maxLineBytes+10))
	if got := strings.Count(out.String(), "\n"); got != 1 {
		t.Errorf("unterminated %d-byte line got %d lines written, want 1", maxLineBytes+10, got)
	}
}

func TestLogSourceOf(t *testing.T) {
	labels := func(service, number string) map[string]string {
		return map[string]string{"com.docker.compose.project": "shop", "com.docker.compose.service": service, "com.docker.compose.container-number": number}
	}
	tests := []struct {
		name string
		c    engine.Container
		want LogSource
	}{
		{name: "default name", c: engine.Container{Name: "shop-web-1", Labels: labels("web", "1")}, want: LogSource{Name: "web-1", Service: "web"}},
		{name: "container_name", c: engine.Container{Name: "my-proxy", Labels: labels("proxy", "1")}, want: LogSource{Name: "my-proxy", Service: "proxy"}},
		{name: "container_name with project prefix", c: engine.Container{Name: "shop-custom", Labels: labels("web", "1")}, want: LogSource{Name: "shop-custom", Service: "web"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := LogSourceOf(tt.c); got != tt.want {
				t.Errorf("LogSourceOf(%s) got %+v, want %+v", tt.c.Name, got, tt.want)
			}
		})
	}
}
