package monitor

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"syscall"
	"time"
)

// timeFormat is docker's fixed-width RFC3339Nano, used in the log file and
// for the timestamps ReadLogs prints, so that columns line up.
const timeFormat = "2006-01-02T15:04:05.000000000Z07:00"

// maxLine is where a line without a newline is cut and written as a partial
// entry, as docker's json-file driver does (its 16K buffer).
const maxLine = 16 << 10

// entry is one line of a docker json-file log.
type entry struct {
	Log    string `json:"log"`
	Stream string `json:"stream"`
	Time   string `json:"time"`
}

// logWriter appends entries to a container's log; the stdout and stderr
// copiers share it.
type logWriter struct {
	mu  sync.Mutex
	f   *os.File
	now func() time.Time
}

func openLog(path string) (*logWriter, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		return nil, fmt.Errorf("open container log: %w", err)
	}
	return &logWriter{f: f, now: time.Now}, nil
}

func (w *logWriter) Close() error { return w.f.Close() }

// write appends one entry in a single write, so that a reader polling the
// file sees whole lines except for a moment.
func (w *logWriter) write(stream string, line []byte) error {
	b, err := json.Marshal(entry{Log: string(line), Stream: stream, Time: w.now().UTC().Format(timeFormat)})
	if err != nil {
		return err
	}
	b = append(b, '\n')
	w.mu.Lock()
	defer w.mu.Unlock()
	_, err = w.f.Write(b)
	return err
}

// copy writes what r yields to the log, one entry per line, until r ends.
// A line longer than maxLine is written in parts, and what is left without
// a newline at the end is written as is. EIO, which a pty master returns
// once the container side is closed, counts as the end.
func (w *logWriter) copy(r io.Reader, stream string) error {
	br := bufio.NewReaderSize(r, 4096)
	var pending []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if len(chunk) > 0 {
			if len(pending) == 0 && err == nil {
				if werr := w.write(stream, chunk); werr != nil {
					return werr
				}
			} else {
				pending = append(pending, chunk...)
				if err == nil || len(pending) >= maxLine {
					if werr := w.write(stream, pending); werr != nil {
						return werr
					}
					pending = pending[:0]
				}
			}
		}
		switch {
		case err == nil, errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF), errors.Is(err, syscall.EIO), errors.Is(err, os.ErrClosed):
			if len(pending) > 0 {
				return w.write(stream, pending)
			}
			return nil
		default:
			return err
		}
	}
}
