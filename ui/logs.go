package ui

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/berth-dev/berth/engine"
)

// LogSource is one container whose output goes through a LogMux.
type LogSource struct {
	Name    string // shown in the prefix: the container name without the project, e.g. "web-1"
	Service string // sources of one service share a colour
}

// LogOptions configure a LogMux.
type LogOptions struct {
	Color  bool // colour prefixes and status lines, one colour per service
	Prefix bool // start each line with "name | " (false for --no-log-prefix)
}

// maxLineBytes bounds the buffer of a line that never ends: past it, the
// bytes are written as a line of their own rather than held without limit.
const maxLineBytes = 64 << 10

// LogMux interleaves the output of several containers line by line, each line
// prefixed like docker compose does: the name padded to the longest name
// plus one, then " | ". A line is written only once complete, under one
// lock, so lines of different containers never mix.
//
// A container's stdout and stderr both go to out, as with compose: what a
// container logs is the command's data (`berth logs | grep x` must see it),
// while berth's own messages go elsewhere.
type LogMux struct {
	mu       sync.Mutex
	out      io.Writer
	opts     LogOptions
	colors   []paint
	services map[string]int // service -> index into colors
	names    map[string]string
	width    int // longest name + 1, as compose pads
}

// NewLogMux returns a mux for sources. Colours are assigned to services in
// name order, so the same stack gets the same colours on every run.
func NewLogMux(out io.Writer, opts LogOptions, sources []LogSource) *LogMux {
	m := &LogMux{
		out:      out,
		opts:     opts,
		colors:   rainbow(opts.Color),
		services: map[string]int{},
		names:    map[string]string{},
	}
	sorted := slices.Clone(sources)
	slices.SortFunc(sorted, func(a, b LogSource) int {
		if a.Service != b.Service {
			if a.Service < b.Service {
				return -1
			}
			return 1
		}
		if a.Name < b.Name {
			return -1
		}
		if a.Name > b.Name {
			return 1
		}
		return 0
	})
	for _, s := range sorted {
		m.add(s)
	}
	return m
}

// Add registers a source that appeared after the mux was made, for example
// a container recreated while following. Prefixes widen if needed.
func (m *LogMux) Add(s LogSource) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.add(s)
}

func (m *LogMux) add(s LogSource) {
	if _, ok := m.services[s.Service]; !ok {
		m.services[s.Service] = len(m.services)
	}
	m.names[s.Name] = s.Service
	m.width = max(m.width, utf8.RuneCountInString(s.Name)+1)
}

// prefix returns the coloured prefix of name. Callers hold m.mu.
func (m *LogMux) prefix(name string) string {
	if !m.opts.Prefix {
		return ""
	}
	return m.paint(name)(fmt.Sprintf("%-*s | ", m.width, name))
}

func (m *LogMux) paint(name string) paint {
	svc, ok := m.names[name]
	if !ok {
		return func(s string) string { return s }
	}
	return m.colors[m.services[svc]%len(m.colors)]
}

// Status prints a line about a container rather than from it, such as
// "web-1 exited with code 0", in the container's colour.
func (m *LogMux) Status(name, msg string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, _ = io.WriteString(m.out, m.paint(name)(name+" "+msg)+"\n")
}

// Writers returns the writers for a container's stdout and stderr: two, so
// that a partial line on one stream is not joined to the other's. They must
// be flushed when the stream ends, to print a last line without a newline.
func (m *LogMux) Writers(name string) (stdout, stderr *LineWriter) {
	return &LineWriter{mux: m, name: name}, &LineWriter{mux: m, name: name}
}

// writeLine writes one complete line, newline included.
func (m *LogMux) writeLine(name string, line []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var b bytes.Buffer
	b.WriteString(m.prefix(name))
	b.Write(line)
	_, _ = m.out.Write(b.Bytes())
}

// LineWriter is an io.Writer for one stream of one container. It holds a
// partial line until its end arrives. A LineWriter is used by one goroutine;
// the LogMux it belongs to serialises the lines.
type LineWriter struct {
	mux  *LogMux
	name string
	buf  []byte
}

// Write implements io.Writer.
func (w *LineWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			w.buf = append(w.buf, p...)
			if len(w.buf) >= maxLineBytes {
				w.Flush()
			}
			break
		}
		line := append(w.buf, p[:i+1]...)
		w.mux.writeLine(w.name, line)
		w.buf = w.buf[:0]
		p = p[i+1:]
	}
	return n, nil
}

// Flush writes a pending partial line, ending it with a newline.
func (w *LineWriter) Flush() {
	if len(w.buf) == 0 {
		return
	}
	w.mux.writeLine(w.name, append(w.buf, '\n'))
	w.buf = w.buf[:0]
}

// LogSourceOf names a container the way compose's log prefixes do: the
// container name without the "project-" in front when it has the default
// name, the full name when the service sets container_name.
func LogSourceOf(c engine.Container) LogSource {
	project, service := c.Labels[engine.LabelProject], c.Labels[engine.LabelService]
	name := c.Name
	if number := c.Labels[engine.LabelNumber]; name == project+"-"+service+"-"+number {
		name = strings.TrimPrefix(name, project+"-")
	}
	return LogSource{Name: name, Service: service}
}
