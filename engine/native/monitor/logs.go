package monitor

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// pollInterval is how often a following reader looks for new lines and for
// the container's exit.
const pollInterval = 100 * time.Millisecond

// LogOptions choose what ReadLogs prints. They are engine.LogOptions, which
// the engine converts (the fields must stay the same) so that the monitor
// need not link the engine's vocabulary.
type LogOptions struct {
	Follow     bool
	Tail       string // "all" or a number
	Since      string
	Until      string
	Timestamps bool
}

// ReadLogs copies the log at path (a docker json-file log written by a
// monitor) to stdout and stderr by stream, as `docker logs` prints it: the
// last opts.Tail lines ("all" or "" for every line), only those written
// within opts.Since and opts.Until (RFC3339 times, unix seconds or a
// duration before now such as "10m"), with opts.Timestamps each prefixed by
// its time.
//
// With opts.Follow it then copies new lines as they are written until ctx
// ends, Until has passed, or the container has exited for good: its
// state.json beside the log says exited, or its monitor is gone. A log not
// written yet is empty.
func ReadLogs(ctx context.Context, path string, opts LogOptions, stdout, stderr io.Writer) error {
	now := time.Now()
	since, err := parseLogTime(opts.Since, now)
	if err != nil {
		return fmt.Errorf("logs --since: %w", err)
	}
	until, err := parseLogTime(opts.Until, now)
	if err != nil {
		return fmt.Errorf("logs --until: %w", err)
	}
	tail := -1
	if opts.Tail != "" && opts.Tail != "all" {
		if tail, err = strconv.Atoi(opts.Tail); err != nil || tail < 0 {
			return fmt.Errorf("logs --tail %q: use a number ≥ 0 or all", opts.Tail)
		}
	}
	p := printer{stdout: stdout, stderr: stderr, since: since, until: until, timestamps: opts.Timestamps}

	f, err := openWhenPresent(ctx, path, opts.Follow)
	if err != nil || f == nil {
		return err
	}
	defer f.Close()
	if tail >= 0 {
		off, err := tailOffset(f, tail)
		if err != nil {
			return fmt.Errorf("read container log: %w", err)
		}
		if _, err := f.Seek(off, io.SeekStart); err != nil {
			return fmt.Errorf("read container log: %w", err)
		}
	}
	r := bufio.NewReader(f)
	var partial []byte
	// drain prints every whole line up to the end of the file; done means
	// a line past Until was seen.
	drain := func() (done bool, err error) {
		for {
			line, err := r.ReadSlice('\n')
			if errors.Is(err, bufio.ErrBufferFull) || (errors.Is(err, io.EOF) && len(line) > 0) {
				partial = append(partial, line...)
				if errors.Is(err, io.EOF) {
					return false, nil
				}
				continue
			}
			if err != nil {
				if errors.Is(err, io.EOF) {
					return false, nil
				}
				return false, fmt.Errorf("read container log: %w", err)
			}
			if len(partial) > 0 {
				line = append(partial, line...)
				partial = partial[:0]
			}
			if done, err := p.print(line); done || err != nil {
				return done, err
			}
		}
	}
	if done, err := drain(); done || err != nil || !opts.Follow {
		return err
	}
	dir := filepath.Dir(path)
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		// The exit is checked before the last read: the monitor records it
		// only after the container's output is all in the log.
		over := exitedForGood(dir) || (!until.IsZero() && time.Now().After(until))
		if done, err := drain(); done || err != nil || over {
			return err
		}
	}
}

// openWhenPresent opens the log; a log not written yet is nil, or, when
// following, waited for.
func openWhenPresent(ctx context.Context, path string, follow bool) (*os.File, error) {
	for {
		f, err := os.Open(path)
		if err == nil {
			return f, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("read container log: %w", err)
		}
		if !follow || exitedForGood(filepath.Dir(path)) {
			return nil, nil
		}
		select {
		case <-ctx.Done():
			return nil, nil
		case <-time.After(pollInterval):
		}
	}
}

// exitedForGood reports whether the container's monitor recorded its final
// exit or died without doing so.
func exitedForGood(dir string) bool {
	st, err := ReadState(dir)
	if err != nil {
		return false
	}
	if st.Status == StatusExited {
		return true
	}
	return st.MonitorPid > 0 && errors.Is(syscall.Kill(st.MonitorPid, 0), syscall.ESRCH)
}

// printer writes log entries the way `docker logs` does.
type printer struct {
	stdout, stderr io.Writer
	since, until   time.Time
	timestamps     bool
}

// print writes one log line; done means it is past until and nothing more
// is to be printed. A line that is not an entry is skipped: a log cut by a
// full disk should not hide the lines after it.
func (p printer) print(line []byte) (done bool, err error) {
	var e entry
	if json.Unmarshal(line, &e) != nil {
		return false, nil
	}
	t, err := time.Parse(time.RFC3339Nano, e.Time)
	if err != nil {
		return false, nil
	}
	if !p.since.IsZero() && t.Before(p.since) {
		return false, nil
	}
	if !p.until.IsZero() && t.After(p.until) {
		return true, nil
	}
	w := p.stdout
	if e.Stream == "stderr" {
		w = p.stderr
	}
	if p.timestamps {
		if _, err := io.WriteString(w, t.UTC().Format(timeFormat)+" "); err != nil {
			return true, err
		}
	}
	_, err = io.WriteString(w, e.Log)
	return err != nil, err
}

// tailOffset is where the last n lines of f start.
func tailOffset(f *os.File, n int) (int64, error) {
	end, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return 0, err
	}
	if n == 0 {
		return end, nil
	}
	buf := make([]byte, 4096)
	pos := end
	seen := 0
	for pos > 0 {
		size := min(int64(len(buf)), pos)
		pos -= size
		chunk := buf[:size]
		if _, err := f.ReadAt(chunk, pos); err != nil {
			return 0, err
		}
		for i := len(chunk) - 1; i >= 0; i-- {
			// The newline that ends the file ends the last line; each
			// other one starts a line.
			if chunk[i] != '\n' || pos+int64(i) == end-1 {
				continue
			}
			if seen++; seen == n {
				return pos + int64(i) + 1, nil
			}
		}
	}
	return 0, nil
}

// parseLogTime reads a --since or --until value as docker does: an RFC3339
// time or date (local time when it has no zone), unix seconds with an
// optional fraction, or a duration before now.
func parseLogTime(v string, now time.Time) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if d, err := time.ParseDuration(v); err == nil {
		return now.Add(-d), nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04", "2006-01-02Z07:00", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, v, time.Local); err == nil {
			return t, nil
		}
	}
	sec, frac, _ := strings.Cut(v, ".")
	if s, err := strconv.ParseUint(sec, 10, 63); err == nil && len(frac) <= 9 {
		ns, err := strconv.ParseUint(frac+strings.Repeat("0", 9-len(frac)), 10, 32)
		if err == nil {
			return time.Unix(int64(s), int64(ns)), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a time: use RFC3339 (2026-01-02T15:04:05Z), unix seconds or a duration such as 10m", v)
}
