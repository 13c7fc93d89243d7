package monitor

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func readEntries(t *testing.T, path string) []entry {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []entry
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var e entry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		out = append(out, e)
	}
	return out
}

// writeLog writes a log of five lines, one a minute from 10:00 UTC, the
// third and fifth on stderr, the last one without a newline, after a line
// that is not an entry.
func writeLog(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ctr.log")
	var b bytes.Buffer
	b.WriteString("not json\n")
	for i, l := range []string{"one\n", "two\n", "three\n", "four\n", "five"} {
		stream := "stdout"
		if i == 2 || i == 4 {
			stream = "stderr"
		}
		line, _ := json.Marshal(entry{Log: l, Stream: stream, Time: time.Date(2026, 1, 2, 10, i, 0, 0, time.UTC).Format(time.RFC3339Nano)})
		b.Write(append(line, '\n'))
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestReadLogs(t *testing.T) {
	tests := []struct {
		name      string
		opts      LogOptions
		out, errs string
		wantErr   bool
	}{
		{name: "all", opts: LogOptions{Tail: "all"}, out: "one\ntwo\nfour\n", errs: "three\nfive"},
		{name: "tail 2", opts: LogOptions{Tail: "2"}, out: "four\n", errs: "five"},
		{name: "tail 0", opts: LogOptions{Tail: "0"}},
		{name: "tail more than there is", opts: LogOptions{Tail: "100"}, out: "one\ntwo\nfour\n", errs: "three\nfive"},
		{name: "since", opts: LogOptions{Since: "2026-01-02T10:03:00Z"}, out: "four\n", errs: "five"},
		{name: "since unix seconds", opts: LogOptions{Since: "1767348180.000000000"}, out: "four\n", errs: "five"},
		{name: "until", opts: LogOptions{Until: "2026-01-02T10:01:00Z"}, out: "one\ntwo\n"},
		{name: "since and until", opts: LogOptions{Since: "2026-01-02T10:01:00Z", Until: "2026-01-02T10:02:30Z"}, out: "two\n", errs: "three\n"},
		{
			name: "timestamps",
			opts: LogOptions{Tail: "2", Timestamps: true},
			out:  "2026-01-02T10:03:00.000000000Z four\n", errs: "2026-01-02T10:04:00.000000000Z five",
		},
		{name: "bad tail", opts: LogOptions{Tail: "-1"}, wantErr: true},
		{name: "bad since", opts: LogOptions{Since: "yesterday"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeLog(t)
			var out, errs bytes.Buffer
			err := ReadLogs(context.Background(), path, tt.opts, &out, &errs)
			if (err != nil) != tt.wantErr {
				t.Fatalf("error = %v, want error %v", err, tt.wantErr)
			}
			if out.String() != tt.out || errs.String() != tt.errs {
				t.Errorf("stdout %q, stderr %q; want %q, %q", out.String(), errs.String(), tt.out, tt.errs)
			}
		})
	}
}

func TestReadLogsMissingLogIsEmpty(t *testing.T) {
	var out bytes.Buffer
	if err := ReadLogs(context.Background(), filepath.Join(t.TempDir(), "ctr.log"), LogOptions{}, &out, &out); err != nil || out.Len() != 0 {
		t.Errorf("ReadLogs = %v, output %q; want no error and nothing", err, out.String())
	}
}

func TestParseLogTime(t *testing.T) {
	now := time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		in      string
		want    time.Time
		wantErr bool
	}{
		{in: ""},
		{in: "10m", want: now.Add(-10 * time.Minute)},
		{in: "1h30m", want: now.Add(-90 * time.Minute)},
		{in: "2026-01-02T09:00:00Z", want: time.Date(2026, 1, 2, 9, 0, 0, 0, time.UTC)},
		{in: "2026-01-02T09:00:00.5+01:00", want: time.Date(2026, 1, 2, 8, 0, 0, 5e8, time.UTC)},
		{in: "2026-01-02T09:00:00", want: time.Date(2026, 1, 2, 9, 0, 0, 0, time.Local)},
		{in: "2026-01-02", want: time.Date(2026, 1, 2, 0, 0, 0, 0, time.Local)},
		{in: "1767348000", want: time.Unix(1767348000, 0)},
		{in: "1767348000.25", want: time.Unix(1767348000, 25e7)},
		{in: "1767348000.000000001", want: time.Unix(1767348000, 1)},
		{in: "yesterday", wantErr: true},
		{in: "1.0000000001", wantErr: true},
	}
	for _, tt := range tests {
		got, err := parseLogTime(tt.in, now)
		if (err != nil) != tt.wantErr || !got.Equal(tt.want) {
			t.Errorf("parseLogTime(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for one writer and one reader.
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

// waitFor polls until cond holds or the test's deadline nears.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	if d, ok := t.Deadline(); ok && d.Before(deadline) {
		deadline = d.Add(-5 * time.Second)
	}
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestReadLogsFollow follows a log while a writer appends to it, a line
// written in two parts included, until the state says the container exited.
func TestReadLogsFollow(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ctr.log")
	w, err := openLog(path)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	w.now = fakeClock() // 03:04:06, 03:04:07, …
	if err := w.write("stdout", []byte("before\n")); err != nil {
		t.Fatal(err)
	}
	if err := writeState(dir, State{Status: StatusRunning, MonitorPid: os.Getpid()}); err != nil {
		t.Fatal(err)
	}
	var out, errs syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- ReadLogs(context.Background(), path, LogOptions{Follow: true, Since: "2026-01-02T03:04:06.5Z"}, &out, &errs)
	}()
	if err := w.write("stdout", []byte("after\n")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the first followed line", func() bool { return out.String() == "after\n" })

	// A line caught half written is printed once it is whole.
	line, _ := json.Marshal(entry{Log: "split\n", Stream: "stderr", Time: "2026-01-02T03:05:00Z"})
	line = append(line, '\n')
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	half := len(line) / 2
	if _, err := f.Write(line[:half]); err != nil {
		t.Fatal(err)
	}
	time.Sleep(3 * pollInterval) // let the reader see the half line
	if _, err := f.Write(line[half:]); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the split line", func() bool { return errs.String() == "split\n" })

	if err := w.write("stdout", []byte("last words\n")); err != nil {
		t.Fatal(err)
	}
	if err := writeState(dir, State{Status: StatusExited, MonitorPid: os.Getpid()}); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != "after\nlast words\n" {
		t.Errorf("stdout %q", got)
	}
}

func TestReadLogsFollowEndsWithContext(t *testing.T) {
	path := writeLog(t)
	ctx, cancel := context.WithCancel(context.Background())
	var out syncBuffer
	done := make(chan error, 1)
	go func() { done <- ReadLogs(ctx, path, LogOptions{Follow: true, Tail: "1"}, &out, &out) }()
	waitFor(t, "the tail", func() bool { return out.String() == "five" })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "four") {
		t.Errorf("output %q has more than the tail", out.String())
	}
}
