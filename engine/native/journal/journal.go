// Package journal is the notes kept in a container's directory of what was
// done to the container that leaves no trace in its record or its state:
// the signals the engine sent, the execs it ran and the health probes the
// monitor ran. The engine reads them to report docker's events.
//
// Both the engine and the monitor append to a journal, and several berths
// may at once: each note is one JSON line, and the entries of one Append
// are written in one write under a flock of the file, so that writers
// neither interleave nor lose notes. Past rotateSize bytes the journal is
// renamed to Old (replacing the one before), so that a container exec'd
// into or probed for months keeps at most about twice that.
//
// The package links nothing the monitor must not link (see
// cmd/berth-monitor's TestLeanImports): not crypto/rand either, whose
// initialisation and tables would stay in every monitor.
package journal

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Names of the journal in a container's directory. They and the line
// format are read back from journals written by earlier versions.
const (
	File = "journal.jsonl"
	Old  = "journal.jsonl.old"
)

// rotateSize is the size past which the journal is rotated.
const rotateSize = 1 << 20

// Entry is one note, in docker's vocabulary.
type Entry struct {
	Time   time.Time `json:"time"`
	Action string    `json:"action"` // kill, rename, exec_create, exec_start, exec_die
	Signal int       `json:"signal,omitempty"`
	// Name and OldName are a rename's new and old container names.
	Name    string `json:"name,omitempty"`
	OldName string `json:"oldName,omitempty"`
	ExecID  string `json:"execID,omitempty"`
	// Cmd is the exec's command line as docker's exec_create and
	// exec_start actions carry it (CmdLine).
	Cmd      string `json:"cmd,omitempty"`
	ExitCode *int   `json:"exitCode,omitempty"`
}

// Append appends entries to the journal in the container directory dir,
// together. A removed container's directory is not made again.
func Append(dir string, entries ...Entry) error {
	var b []byte
	for _, ent := range entries {
		line, err := json.Marshal(ent)
		if err != nil {
			return fmt.Errorf("journal note %s: %w", ent.Action, err)
		}
		b = append(append(b, line...), '\n')
	}
	f, err := open(filepath.Join(dir, File))
	if err != nil {
		return fmt.Errorf("open the journal: %w", err)
	}
	defer f.Close() // and unlocked
	if _, err := f.Write(b); err != nil {
		return fmt.Errorf("write the journal: %w", err)
	}
	if fi, err := f.Stat(); err == nil && fi.Size() >= rotateSize {
		// Under the lock: a writer waiting for it finds the path
		// holds another file, and opens that.
		if err := os.Rename(filepath.Join(dir, File), filepath.Join(dir, Old)); err != nil {
			return fmt.Errorf("rotate the journal: %w", err)
		}
	}
	return nil
}

// open opens the journal at path for appending, locked, making it if
// needed: after a rotation the file locked may no longer be the one at
// path, and is opened again.
func open(path string) (*os.File, error) {
	for {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err != nil {
			return nil, err
		}
		if err := flock(f, unix.LOCK_EX); err != nil {
			f.Close()
			return nil, err
		}
		held, err1 := f.Stat()
		now, err2 := os.Stat(path)
		if err1 == nil && err2 == nil && os.SameFile(held, now) {
			return f, nil
		}
		f.Close()
		if err2 != nil && !errors.Is(err2, fs.ErrNotExist) {
			return nil, err2
		}
	}
}

func flock(f *os.File, how int) error {
	for {
		err := unix.Flock(int(f.Fd()), how)
		if !errors.Is(err, unix.EINTR) {
			return err
		}
	}
}

// Exec notes an exec of cmd (or a health probe, which docker runs as an
// exec) in the journal of the container directory dir: its creation and
// its start, as docker reports both before the process runs. It returns
// the func that notes the process's end with its exit code; an exec that
// did not run has no end, as with docker. A note that cannot be written
// loses an event only, never the exec, so errors are dropped.
func Exec(dir string, cmd []string) (died func(code int)) {
	id, line, now := NewExecID(), CmdLine(cmd), time.Now().UTC()
	_ = Append(dir,
		Entry{Time: now, Action: "exec_create", ExecID: id, Cmd: line},
		Entry{Time: now, Action: "exec_start", ExecID: id, Cmd: line})
	return func(code int) {
		_ = Append(dir, Entry{Time: time.Now().UTC(), Action: "exec_die", ExecID: id, ExitCode: &code})
	}
}

// CmdLine is an exec's command as docker's events show it: the
// entrypoint, a space, and the arguments joined.
func CmdLine(cmd []string) string {
	if len(cmd) == 0 {
		return " "
	}
	return cmd[0] + " " + strings.Join(cmd[1:], " ")
}

// NewExecID is a random ID like docker's exec IDs: 64 hex digits. It is
// read with getrandom(2), not crypto/rand (see the package comment).
func NewExecID() string {
	var b [32]byte
	for n := 0; n < len(b); {
		k, err := unix.Getrandom(b[n:], 0)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			// Only a kernel without getrandom (before 3.17, older
			// than runc supports) gets here: the ID must only tell
			// the container's execs apart.
			return fmt.Sprintf("%016x%016x%032x", time.Now().UnixNano(), os.Getpid(), b[:16])
		}
		n += k
	}
	return fmt.Sprintf("%x", b[:])
}
