package native

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"time"

	"github.com/fsnotify/fsnotify"
	"golang.org/x/sys/unix"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/native/journal"
	"github.com/berth-dev/berth/engine/native/monitor"
)

var _ engine.EventStreamer = (*Engine)(nil)

// eventPoll is how often Events looks at every container even when no
// file changed: a pause freezes a cgroup and a monitor may die without
// writing anything.
const eventPoll = time.Second

// Events streams the events of project's containers. No daemon logs them:
// they are derived from the state directory, by comparing each container's
// record and state with what was seen last, whenever a file that holds
// them changes (and every eventPoll). What is reported is what docker
// reports: create, start, die (exitCode, execDuration), stop, pause,
// unpause, health_status: healthy|unhealthy, destroy, with the container's
// name, image and labels; kill (signal), rename (oldName) and exec_create,
// exec_start and exec_die (execID, exitCode), from the notes kept in each
// container's journal (engine/native/journal): the engine's when it
// signals, renames or runs an exec in the container, the
// monitor's when it runs a health probe, which docker runs and reports as
// an exec of the healthcheck's command (/bin/sh -c CMD for CMD-SHELL).
// berth restart is a stop and a start (reconcile), as it is on the docker
// engine too, and reports as those, not as restart. A run too short to be
// seen between two looks is still reported (start and die): the state
// keeps both times. With Since, the history comes from the same times and
// the journals, so it holds each container's creation, latest run, signals
// and execs only.
func (e *Engine) Events(ctx context.Context, project string, opts engine.EventOptions, fn func(engine.Event) error) error {
	return e.events(ctx, project, opts, nil, fn)
}

// events is Events; ready, when not nil, is called once the first look is
// taken: every later change is reported.
func (e *Engine) events(ctx context.Context, project string, opts engine.EventOptions, ready func(), fn func(engine.Event) error) error {
	now := time.Now()
	since, err := monitor.ParseTime(opts.Since, now)
	if err != nil {
		return fmt.Errorf("events --since: %w", err)
	}
	until, err := monitor.ParseTime(opts.Until, now)
	if err != nil {
		return fmt.Errorf("events --until: %w", err)
	}
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("events: watch the state directory: %w", err)
	}
	defer w.Close()
	dir := filepath.Join(e.root, "containers")
	// Watched before the first look, so that no change falls between.
	if err := w.Add(dir); err != nil {
		return fmt.Errorf("events: watch %s: %w", dir, err)
	}
	sc := &eventScanner{e: e, project: project, seen: map[string]*seenContainer{}}
	ids, err := sc.baseline()
	if err != nil {
		return err
	}
	for _, id := range ids {
		_ = w.Add(e.containerDir(id)) // gone already: its removal is seen below
	}
	if ready != nil {
		ready()
	}
	if opts.Since != "" {
		for _, ev := range sc.history(since, until) {
			if err := fn(ev); err != nil {
				return err
			}
		}
	}
	var end <-chan time.Time
	if opts.Until != "" {
		if !until.After(time.Now()) {
			return nil
		}
		t := time.NewTimer(time.Until(until))
		defer t.Stop()
		end = t.C
	}
	poll := time.NewTicker(eventPoll)
	defer poll.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-end:
			return nil
		case err, ok := <-w.Errors:
			if !ok {
				return nil
			}
			if !errors.Is(err, fsnotify.ErrEventOverflow) {
				return fmt.Errorf("events: watch the state directory: %w", err)
			}
			// Changes were lost: the look below finds them.
		case ev, ok := <-w.Events:
			if !ok {
				return nil
			}
			if !e.eventMatters(w, ev) {
				continue
			}
		case <-poll.C:
		}
		for _, ev := range sc.scan(time.Now()) {
			if err := fn(ev); err != nil {
				return err
			}
		}
	}
}

// eventMatters tells whether a file change may be an event, and watches a
// new container's directory.
func (e *Engine) eventMatters(w *fsnotify.Watcher, ev fsnotify.Event) bool {
	parent, name := filepath.Split(ev.Name)
	if filepath.Clean(parent) == filepath.Join(e.root, "containers") {
		if ev.Has(fsnotify.Create) && len(name) == 64 {
			_ = w.Add(ev.Name) // gone already: nothing to see
		}
		return true
	}
	switch name {
	case "container.json", monitor.StateFile, monitor.StopFile, journal.File, journal.Old:
		return true
	}
	return false
}

// seenContainer is a container as Events saw it last.
type seenContainer struct {
	eventRecord
	monitor.State
	// stopAsked is whether a user stopped or killed it (the stop file).
	stopAsked bool
	// recordStat is the record's size and time when it was read: a
	// record rewritten since (a rename) is read again.
	recordStat fileStamp
	// journal is how far the journal has been read.
	journal journal.Pos
}

// fileStamp tells whether a file was rewritten: the engine replaces a
// record by renaming a new file over it, which gives it a new inode.
type fileStamp struct {
	ino  uint64
	size int64
	mod  time.Time
}

func stampOf(path string) (fileStamp, bool) {
	fi, err := os.Stat(path)
	if err != nil {
		return fileStamp{}, false
	}
	st := fileStamp{size: fi.Size(), mod: fi.ModTime()}
	if sys, ok := fi.Sys().(*syscall.Stat_t); ok {
		st.ino = sys.Ino
	}
	return st, true
}

// eventRecord is the part of a container record an event carries.
type eventRecord struct {
	Name, Image string
	Labels      map[string]string
	Created     time.Time
}

// up is whether the container's process runs (a paused one too).
func (s *seenContainer) up() bool { return s.Status == "running" || s.Status == "paused" }

// eventScanner compares the project's containers with what it saw last.
type eventScanner struct {
	e       *Engine
	project string
	seen    map[string]*seenContainer
	// past are the journals' notes at the baseline, for history.
	past map[string][]journal.Entry
}

// look reads every container of the project now, by ID; errors are those
// of a container being created or removed meanwhile, and skip it.
func (s *eventScanner) look() map[string]*seenContainer {
	entries, _ := os.ReadDir(filepath.Join(s.e.root, "containers"))
	out := make(map[string]*seenContainer, len(entries))
	for _, ent := range entries {
		id := ent.Name()
		if !ent.IsDir() || len(id) != 64 {
			continue
		}
		stamp, ok := stampOf(s.e.recordPath(id))
		if !ok {
			continue
		}
		var rec eventRecord
		var jpos journal.Pos
		if old, ok := s.seen[id]; ok {
			rec, jpos = old.eventRecord, old.journal
		}
		if old, ok := s.seen[id]; !ok || old.recordStat != stamp {
			if err := readJSON(s.e.recordPath(id), &rec); err != nil {
				continue
			}
		}
		if rec.Labels[engine.LabelProject] != s.project {
			continue
		}
		st, err := s.e.observeID(id, rec.Name)
		if err != nil {
			continue
		}
		_, err = os.Stat(filepath.Join(s.e.containerDir(id), monitor.StopFile))
		out[id] = &seenContainer{eventRecord: rec, State: st.State, stopAsked: err == nil, recordStat: stamp, journal: jpos}
	}
	return out
}

// baseline records what exists now, reporting nothing, and returns the
// IDs of every container directory, to watch.
func (s *eventScanner) baseline() ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(s.e.root, "containers"))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("events: list containers: %w", err)
	}
	s.seen = s.look()
	s.past = map[string][]journal.Entry{}
	for id, c := range s.seen {
		s.past[id], c.journal = journal.Read(s.e.containerDir(id), journal.Pos{})
	}
	var ids []string
	for _, ent := range entries {
		if ent.IsDir() && len(ent.Name()) == 64 {
			ids = append(ids, ent.Name())
		}
	}
	return ids, nil
}

// historyLimit is how many past events history gives at most, the latest:
// dockerd keeps as many for --since. Journals hold up to 2 MiB of notes
// each, health probes every interval among them.
const historyLimit = 256

// history is what the baseline's states tell of the past, between since
// and until (zero: no end): each container's creation and its latest
// start and exit, and the notes of its journal, in time order, the latest
// historyLimit of them.
func (s *eventScanner) history(since, until time.Time) []engine.Event {
	var out []engine.Event
	for id, c := range s.seen {
		out = append(out, event("create", id, c, c.Created))
		if !c.StartedAt.IsZero() {
			out = append(out, event("start", id, c, c.StartedAt))
			if c.Status == "exited" && !c.FinishedAt.Before(c.StartedAt) {
				out = append(out, dieEvent(id, c, c.FinishedAt))
			}
		}
		for _, ent := range s.past[id] {
			out = append(out, journalEvent(id, c, ent))
		}
	}
	out = slices.DeleteFunc(out, func(ev engine.Event) bool {
		return ev.Time.Before(since) || (!until.IsZero() && ev.Time.After(until))
	})
	slices.SortStableFunc(out, func(a, b engine.Event) int { return a.Time.Compare(b.Time) })
	return out[max(0, len(out)-historyLimit):]
}

// scan looks again and returns the events between the last look and this
// one, in the order they happened for each container.
func (s *eventScanner) scan(now time.Time) []engine.Event {
	cur := s.look()
	var out []engine.Event
	for _, id := range slices.Sorted(maps.Keys(cur)) {
		c := cur[id]
		var notes []engine.Event
		var ents []journal.Entry
		// After the state (look), under the lock a signal is sent and
		// noted in: a die it caused comes with its kill.
		unlock := lockDir(s.e.containerDir(id), unix.LOCK_SH)
		ents, c.journal = journal.Read(s.e.containerDir(id), c.journal)
		unlock()
		for _, ent := range ents {
			notes = append(notes, journalEvent(id, c, ent))
		}
		out = append(out, mergeByTime(transitions(id, s.seen[id], c, now), notes)...)
	}
	for _, id := range slices.Sorted(maps.Keys(s.seen)) {
		if _, ok := cur[id]; ok {
			continue
		}
		prev := s.seen[id]
		if prev.up() {
			// Removed while running: a forced removal kills it
			// (SIGKILL), which docker reports as code 137.
			gone := *prev
			gone.ExitCode, gone.FinishedAt = 137, now
			out = append(out, dieEvent(id, &gone, now))
		}
		out = append(out, event("destroy", id, prev, now))
	}
	s.seen = cur
	return out
}

// transitions are the events that take a container from prev (nil: it
// did not exist) to cur.
func transitions(id string, prev, cur *seenContainer, now time.Time) []engine.Event {
	var out []engine.Event
	if prev == nil {
		out = append(out, event("create", id, cur, cur.Created))
		prev = &seenContainer{eventRecord: cur.eventRecord, State: monitor.State{Status: "created"}}
	}
	newRun := !cur.StartedAt.IsZero() && !cur.StartedAt.Equal(prev.StartedAt)
	if prev.up() && (newRun || !cur.up()) {
		// The run seen last ended; with a new run since, its code is
		// the one the state still holds.
		ended := *cur
		if newRun {
			ended.StartedAt = prev.StartedAt
		}
		out = append(out, dieEvent(id, &ended, now))
	}
	if newRun {
		out = append(out, event("start", id, cur, cur.StartedAt))
		if !cur.up() && cur.Status != "created" {
			out = append(out, dieEvent(id, cur, now))
		}
	}
	if (prev.up() || newRun) && cur.Status == "exited" && cur.stopAsked {
		out = append(out, event("stop", id, cur, maxTime(cur.FinishedAt, cur.StartedAt)))
	}
	if !newRun {
		switch {
		case prev.Status == "running" && cur.Status == "paused":
			out = append(out, event("pause", id, cur, now))
		case prev.Status == "paused" && cur.Status == "running":
			out = append(out, event("unpause", id, cur, now))
		}
	}
	if cur.Health != prev.Health && (cur.Health == monitor.HealthHealthy || cur.Health == monitor.HealthUnhealthy) {
		out = append(out, event("health_status: "+cur.Health, id, cur, now))
	}
	return out
}

// event is one event with docker's attributes: the container's labels,
// name and image.
func event(action, id string, c *seenContainer, t time.Time) engine.Event {
	attrs := make(map[string]string, len(c.Labels)+4)
	maps.Copy(attrs, c.Labels)
	attrs["name"] = c.Name
	attrs["image"] = c.Image
	return engine.Event{Time: t, Action: action, ID: id, Attributes: attrs}
}

// dieEvent is the end of c's run, with its code and how long it ran.
// A state corrected by observe (its monitor died with it) has no end
// time: the container was found dead at now.
func dieEvent(id string, c *seenContainer, now time.Time) engine.Event {
	t := now
	if !c.FinishedAt.IsZero() && !c.FinishedAt.Before(c.StartedAt) {
		t = c.FinishedAt
	}
	ev := event("die", id, c, t)
	ev.Attributes["exitCode"] = strconv.Itoa(c.ExitCode)
	if !c.StartedAt.IsZero() && !c.FinishedAt.Before(c.StartedAt) {
		ev.Attributes["execDuration"] = strconv.Itoa(int(c.FinishedAt.Sub(c.StartedAt).Seconds()))
	}
	return ev
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
