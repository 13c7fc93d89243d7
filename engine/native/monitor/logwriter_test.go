package monitor

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// fakeClock returns times one second apart from a fixed start.
func fakeClock() func() time.Time {
	t := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	return func() time.Time {
		t = t.Add(time.Second)
		return t
	}
}

func TestLogWriterCopy(t *testing.T) {
	long := strings.Repeat("x", maxLine+10)
	tests := []struct {
		name   string
		input  string
		stream string
		want   []entry
	}{
		{
			name:   "lines",
			input:  "one\ntwo\n",
			stream: "stdout",
			want: []entry{
				{Log: "one\n", Stream: "stdout", Time: "2026-01-02T03:04:06.000000000Z"},
				{Log: "two\n", Stream: "stdout", Time: "2026-01-02T03:04:07.000000000Z"},
			},
		},
		{
			name:   "partial last line is flushed at the end",
			input:  "done\nprompt> ",
			stream: "stderr",
			want: []entry{
				{Log: "done\n", Stream: "stderr", Time: "2026-01-02T03:04:06.000000000Z"},
				{Log: "prompt> ", Stream: "stderr", Time: "2026-01-02T03:04:07.000000000Z"},
			},
		},
		{
			name:   "long line is cut",
			input:  long + "\n",
			stream: "stdout",
			want: []entry{
				{Log: long[:maxLine], Stream: "stdout", Time: "2026-01-02T03:04:06.000000000Z"},
				{Log: long[maxLine:] + "\n", Stream: "stdout", Time: "2026-01-02T03:04:07.000000000Z"},
			},
		},
		{
			name:   "invalid utf-8 and control characters",
			input:  "a\x00\xff\tb\r\n",
			stream: "stdout",
			want: []entry{
				{Log: "a\x00\ufffd\tb\r\n", Stream: "stdout", Time: "2026-01-02T03:04:06.000000000Z"},
			},
		},
		{name: "nothing", input: "", stream: "stdout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "ctr.log")
			w, err := openLog(path)
			if err != nil {
				t.Fatal(err)
			}
			w.now = fakeClock()
			if err := w.copy(strings.NewReader(tt.input), tt.stream); err != nil {
				t.Fatal(err)
			}
			w.Close()
			if diff := cmp.Diff(tt.want, readEntries(t, path)); diff != "" {
				t.Errorf("entries (-want +got):\n%s", diff)
			}
		})
	}
}

// TestLogFileFormat pins the bytes of a line: docker's json-file format,
// which docker's own tools can read.
func TestLogFileFormat(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ctr.log")
	w, err := openLog(path)
	if err != nil {
		t.Fatal(err)
	}
	w.now = fakeClock()
	if err := w.copy(strings.NewReader("say \"hi\"\n"), "stdout"); err != nil {
		t.Fatal(err)
	}
	w.Close()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"log":"say \"hi\"\n","stream":"stdout","time":"2026-01-02T03:04:06.000000000Z"}` + "\n"
	if string(got) != want {
		t.Errorf("log file:\n%s\nwant:\n%s", got, want)
	}
}
