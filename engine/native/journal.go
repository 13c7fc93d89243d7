package native

import (
	"errors"
	"os"
	"strconv"
	"time"

	"golang.org/x/sys/unix"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/native/journal"
)

// note appends entries to container id's journal (engine/native/journal),
// where the engine keeps what it did to the container that leaves no trace
// in the record or the state. A note that cannot be written loses an event
// only, never the operation it records: errors are dropped.
func (e *Engine) note(id string, entries ...journal.Entry) {
	_ = journal.Append(e.containerDir(id), entries...)
}

// noteRename notes that container id was renamed from old to name at at.
// Events reads renames from these notes, not from the record: a rename is
// then ordered by its time among the other notes (a kill just after it,
// an exec just before), which a record compared at each look cannot be.
func (e *Engine) noteRename(id, old, name string, at time.Time) {
	e.note(id, journal.Entry{Time: at.UTC(), Action: "rename", Name: name, OldName: old})
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
	e.note(id, journal.Entry{Time: sent.UTC(), Action: "kill", Signal: sig})
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

// journalEvent is the event of one note about container c.
func journalEvent(id string, c *seenContainer, ent journal.Entry) engine.Event {
	action := ent.Action
	if (action == "exec_create" || action == "exec_start") && ent.Cmd != "" {
		action += ": " + ent.Cmd
	}
	ev := event(action, id, c, ent.Time)
	switch ent.Action {
	case "kill":
		ev.Attributes["signal"] = strconv.Itoa(ent.Signal)
	case "rename":
		// The name it took then, which a later rename may have changed;
		// docker's oldName keeps the leading slash of its names.
		ev.Attributes["name"] = ent.Name
		ev.Attributes["oldName"] = "/" + ent.OldName
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
// and returns the func that notes its end: an exec that did not run (err)
// has none, as with docker.
func (e *Engine) noteExec(id string, cmd []string) func(code int, err error) {
	died := journal.Exec(e.containerDir(id), cmd)
	return func(code int, err error) {
		if err == nil {
			died(code)
		}
	}
}
