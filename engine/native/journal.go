package native

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/berth-dev/berth/engine"
)

// journalFile, in a container's directory, is where the engine notes what
// it did to the container that leaves no trace in the record or the
// state: the signals it sent and the execs it ran. Events reads it; it
// goes with the directory. Each note is one JSON line appended under a
// flock of the file, so that berths writing at once neither interleave
// nor lose notes. Past journalRotate bytes the journal is renamed to
// journalOld (replacing the one before), so that a container exec'd into
// for months keeps at most twice that.
const (
	journalFile   = "journal.jsonl"
	journalOld    = "journal.jsonl.old"
	journalRotate = 1 << 20
)

// journalEntry is one note, in docker's vocabulary.
type journalEntry struct {
	Time   time.Time `json:"time"`
	Action string    `json:"action"` // kill, exec_create, exec_start, exec_die
	Signal int       `json:"signal,omitempty"`
	ExecID string    `json:"execID,omitempty"`
	// Cmd is the exec's command line as docker's exec_create and
	// exec_start actions carry it.
	Cmd      string `json:"cmd,omitempty"`
	ExitCode *int   `json:"exitCode,omitempty"`
}

// note appends entries to container id's journal. A note that cannot be
// written loses an event only, never the operation it records: errors
// are dropped, and a removed container's directory is not recreated.
func (e *Engine) note(id string, entries ...journalEntry) {
	var b []byte
	for _, ent := range entries {
		line, err := json.Marshal(ent)
		if err != nil {
			return
		}
		b = append(append(b, line...), '\n')
	}
	dir := e.containerDir(id)
	f, err := openJournal(filepath.Join(dir, journalFile))
	if err != nil {
		return
	}
	defer f.Close() // and unlocked
	// One write: the entries land together.
	if _, err := f.Write(b); err != nil {
		return
	}
	if fi, err := f.Stat(); err == nil && fi.Size() >= journalRotate {
		// Under the lock: a writer waiting for it finds the path
		// holds another file, and opens that.
		_ = os.Rename(filepath.Join(dir, journalFile), filepath.Join(dir, journalOld))
	}
}

// openJournal opens the journal at path for appending, locked, making it
// if needed: after a rotation the file locked may no longer be the one at
// path, and is opened again.
func openJournal(path string) (*os.File, error) {
	for {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err != nil {
			return nil, err
		}
		if err := flockRetry(f, unix.LOCK_EX); err != nil {
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

func flockRetry(f *os.File, how int) error {
	for {
		err := unix.Flock(int(f.Fd()), how)
		if !errors.Is(err, unix.EINTR) {
			return err
		}
	}
}

// signal sends sig to container id with send and, when it got through,
// notes it as a kill stamped with the time taken before sending. The
// container's directory is flocked across both, and Events reads the
// journal under the same lock after it read the state: a die the signal
// caused is never seen before its kill note is written.
func (e *Engine) signal(id string, sig int, send func() error) error {
	unlock := lockDir(e.containerDir(id), unix.LOCK_EX)
	defer unlock()
	sent := time.Now()
	if err := send(); err != nil {
		return err
	}
	e.note(id, journalEntry{Time: sent.UTC(), Action: "kill", Signal: sig})
	return nil
}

// lockDir flocks dir with how until the returned func is called. A
// directory that cannot be locked (removed already) orders nothing, so
// that is not an error: the func does nothing then.
func lockDir(dir string, how int) (unlock func()) {
	f, err := os.Open(dir)
	if err != nil {
		return func() {}
	}
	if err := flockRetry(f, how); err != nil {
		f.Close()
		return func() {}
	}
	return func() { f.Close() }
}

// execCmdLine is an exec's command as docker's events show it: the
// entrypoint, a space, and the arguments joined.
func execCmdLine(cmd []string) string {
	if len(cmd) == 0 {
		return " "
	}
	return cmd[0] + " " + strings.Join(cmd[1:], " ")
}

// journalPos is how far a journal has been read: the file, by inode, and
// the offset in it.
type journalPos struct {
	ino uint64
	off int64
}

// readJournals reads the notes of the journal in dir written since pos,
// and returns them with the position after the last complete one. A
// journal rotated since pos is read to its end first. The zero pos reads
// everything, the rotated journal included.
func readJournals(dir string, pos journalPos) ([]journalEntry, journalPos) {
	cur, old := filepath.Join(dir, journalFile), filepath.Join(dir, journalOld)
	ino, ok := inodeOf(cur)
	if !ok {
		// None yet, or just rotated: the rotated one may have grown.
		if oldIno, ok := inodeOf(old); ok && (pos.ino == 0 || oldIno == pos.ino) {
			ents, off := readJournal(old, pos.off)
			return ents, journalPos{ino: oldIno, off: off}
		}
		return nil, pos
	}
	var out []journalEntry
	if ino != pos.ino {
		// The zero pos reads it whole; another is where reading it stopped.
		if oldIno, ok := inodeOf(old); ok && (pos.ino == 0 || oldIno == pos.ino) {
			out, _ = readJournal(old, pos.off)
		}
		pos = journalPos{ino: ino}
	}
	ents, off := readJournal(cur, pos.off)
	return append(out, ents...), journalPos{ino: ino, off: off}
}

func inodeOf(path string) (uint64, bool) {
	var st unix.Stat_t
	if unix.Stat(path, &st) != nil {
		return 0, false
	}
	return st.Ino, true
}

// readJournal reads the complete entries of the journal at path from
// byte off on, and returns them with the offset after the last one. A
// line being written is left for the next read; a line that does not
// parse is skipped.
func readJournal(path string, off int64) ([]journalEntry, int64) {
	f, err := os.Open(path)
	if err != nil {
		return nil, off
	}
	defer f.Close()
	if _, err := f.Seek(off, io.SeekStart); err != nil {
		return nil, off
	}
	b, err := io.ReadAll(f)
	if err != nil {
		return nil, off
	}
	end := bytes.LastIndexByte(b, '\n')
	if end < 0 {
		return nil, off
	}
	var out []journalEntry
	for line := range bytes.SplitSeq(b[:end], []byte{'\n'}) {
		var ent journalEntry
		if json.Unmarshal(line, &ent) == nil && ent.Action != "" {
			out = append(out, ent)
		}
	}
	return out, off + int64(end) + 1
}

// journalEvent is the event of one note about container c.
func journalEvent(id string, c *seenContainer, ent journalEntry) engine.Event {
	action := ent.Action
	if (action == "exec_create" || action == "exec_start") && ent.Cmd != "" {
		action += ": " + ent.Cmd
	}
	ev := event(action, id, c, ent.Time)
	if ent.Action == "kill" {
		ev.Attributes["signal"] = strconv.Itoa(ent.Signal)
	}
	if ent.ExecID != "" {
		ev.Attributes["execID"] = ent.ExecID
	}
	if ent.ExitCode != nil {
		ev.Attributes["exitCode"] = strconv.Itoa(*ent.ExitCode)
	}
	return ev
}

// mergeByTime inserts notes (in time order) into events, whose own order
// is kept: a note goes before the first event later than it.
func mergeByTime(events, notes []engine.Event) []engine.Event {
	if len(notes) == 0 {
		return events
	}
	out := make([]engine.Event, 0, len(events)+len(notes))
	for _, ev := range events {
		for len(notes) > 0 && notes[0].Time.Before(ev.Time) {
			out = append(out, notes[0])
			notes = notes[1:]
		}
		out = append(out, ev)
	}
	return append(out, notes...)
}

// noteExec notes an exec's creation and start in container id's journal,
// as docker reports both before the process runs, and returns the func
// that notes its end: an exec that did not run (err) has none, as with
// docker.
func (e *Engine) noteExec(id string, cmd []string) func(code int, err error) {
	execID, line, now := newID(), execCmdLine(cmd), time.Now().UTC()
	e.note(id,
		journalEntry{Time: now, Action: "exec_create", ExecID: execID, Cmd: line},
		journalEntry{Time: now, Action: "exec_start", ExecID: execID, Cmd: line})
	return func(code int, err error) {
		if err == nil {
			e.note(id, journalEntry{Time: time.Now().UTC(), Action: "exec_die", ExecID: execID, ExitCode: &code})
		}
	}
}
