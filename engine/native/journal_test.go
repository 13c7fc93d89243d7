package native

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/native/journal"
	"github.com/berth-dev/berth/engine/native/monitor"
	"github.com/berth-dev/berth/internal/testimage"
)

func TestMergeByTime(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	at := func(action string, s int) engine.Event {
		return engine.Event{Action: action, Time: t0.Add(time.Duration(s) * time.Second)}
	}
	// The transitions' own order stays, even where their times do not
	// rise (a health status stamped now, before a die at its finish).
	events := []engine.Event{at("health_status: healthy", 9), at("die", 5), at("stop", 5)}
	notes := []engine.Event{at("exec_start", 1), at("kill", 4), at("exec_die", 20)}
	var got []string
	for _, ev := range mergeByTime(events, notes) {
		got = append(got, ev.Action)
	}
	want := []string{"exec_start", "kill", "health_status: healthy", "die", "stop", "exec_die"}
	if !slices.Equal(got, want) {
		t.Errorf("mergeByTime got %v, want %v", got, want)
	}
}

// TestRenameEvent checks that a rename is reported from its note, with the
// names of that rename even after a later one, and not from the record.
func TestRenameEvent(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	st := monitor.State{Status: "running", StartedAt: now.Add(-time.Minute)}
	prev := &seenContainer{eventRecord: eventRecord{Name: "p-web-1", Image: "img"}, State: st}
	cur := &seenContainer{eventRecord: eventRecord{Name: "p-web-3", Image: "img"}, State: st}
	if evs := transitions("id", prev, cur, now); len(evs) != 0 {
		t.Errorf("transitions of a record renamed got %+v, want none (renames come from notes)", evs)
	}
	ev := journalEvent("id", cur, journal.Entry{Time: now, Action: "rename", Name: "p-web-2", OldName: "p-web-1"})
	if ev.Action != "rename" || ev.Attributes["name"] != "p-web-2" || ev.Attributes["oldName"] != "/p-web-1" || !ev.Time.Equal(now) {
		t.Errorf("the rename note's event %+v, want rename to p-web-2 with oldName /p-web-1 at %s", ev, now)
	}
}

// TestEventsFromJournal streams the events a rename of the record and
// notes in the journal make, and replays the notes with Since.
func TestEventsFromJournal(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "containers"), 0o755); err != nil {
		t.Fatal(err)
	}
	e := &Engine{root: root}
	started := time.Now().Add(-time.Minute)
	c := newFakeContainer(t, root, "a", "p", started.Add(-time.Second))
	c.state(monitor.State{Status: "running", Pid: os.Getpid(), StartedAt: started})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	next, done := followEvents(t, ctx, e)
	end := e.noteExec(c.id, []string{"sh", "-c", "exit 3"})
	if ev := next("exec_create: sh -c exit 3"); ev.Attributes["execID"] == "" || ev.Attributes["name"] != "p-a" {
		t.Errorf("exec_create attributes %v, want an execID and the name", ev.Attributes)
	}
	execID := next("exec_start: sh -c exit 3").Attributes["execID"]
	end(3, nil)
	if ev := next("exec_die"); ev.Attributes["execID"] != execID || ev.Attributes["exitCode"] != "3" {
		t.Errorf("exec_die attributes %v, want execID %s and exitCode 3", ev.Attributes, execID)
	}
	e.noteExec(c.id, []string{"/nope"})(-1, os.ErrNotExist)
	next("exec_create: /nope ")
	next("exec_start: /nope ")

	err := writeJSON(filepath.Join(c.dir(), "container.json"), eventRecord{Name: "p-renamed", Image: "img",
		Labels: map[string]string{engine.LabelProject: "p", engine.LabelService: "web"}, Created: started.Add(-time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	e.noteRename(c.id, "p-a", "p-renamed", time.Now())
	if ev := next("rename"); ev.Attributes["name"] != "p-renamed" || ev.Attributes["oldName"] != "/p-a" {
		t.Errorf("rename attributes %v, want name p-renamed, oldName /p-a", ev.Attributes)
	}
	// The die a signal causes reaches the state before the signal's note
	// is written: a scan in between (the sleep) still puts the kill first.
	err = e.signal(c.id, 15, func() error {
		if err := os.WriteFile(filepath.Join(c.dir(), monitor.StopFile), nil, 0o644); err != nil {
			return err
		}
		c.state(monitor.State{Status: "exited", StartedAt: started, FinishedAt: time.Now(), ExitCode: 143})
		time.Sleep(2 * eventPoll)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if ev := next("kill"); ev.Attributes["signal"] != "15" || ev.Attributes["name"] != "p-renamed" {
		t.Errorf("kill attributes %v, want signal 15 and the new name", ev.Attributes)
	}
	next("die")
	next("stop")
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Events ended with %v", err)
	}

	var got []string
	err = e.Events(context.Background(), "p", engine.EventOptions{Since: "1h", Until: "0s"}, func(ev engine.Event) error {
		got = append(got, strings.SplitN(ev.Action, ":", 2)[0])
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"create", "start", "exec_create", "exec_start", "exec_die", "exec_create", "exec_start", "rename", "kill", "die"}
	if !slices.Equal(got, want) {
		t.Errorf("events since 1h: %v, want %v", got, want)
	}
}

// TestEventsRuncJournal sees a real exec, rename, kill and stop.
func TestEventsRuncJournal(t *testing.T) {
	e := newTestEngine(t, testimage.Archive(t))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const project = "evjournal"
	id := runTestContainer(ctx, t, e, project, types.ServiceConfig{})
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	events := make(chan engine.Event, 64) // more than the test makes
	done := make(chan error, 1)
	ready := make(chan struct{})
	go func() {
		done <- e.events(sctx, project, engine.EventOptions{}, func() { close(ready) }, func(ev engine.Event) error {
			events <- ev
			return nil
		})
	}()
	<-ready
	if code, err := e.Exec(ctx, id, engine.ExecSpec{Cmd: []string{testimage.Entrypoint, "exit", "4"}}, engine.Streams{}); err != nil {
		t.Fatalf("exec: %d, %v", code, err)
	}
	if err := e.RenameContainer(ctx, id, project+"-web-2"); err != nil {
		t.Fatal(err)
	}
	if err := e.KillContainer(ctx, id, "SIGKILL"); err != nil {
		t.Fatal(err)
	}
	var got []string
	for !slices.Contains(got, "die") {
		select {
		case ev := <-events:
			a := strings.SplitN(ev.Action, ":", 2)[0]
			switch a {
			case "exec_die":
				a += "@" + ev.Attributes["exitCode"]
			case "kill":
				a += "@" + ev.Attributes["signal"]
			case "rename":
				a += "@" + ev.Attributes["oldName"] + ">" + ev.Attributes["name"]
			}
			got = append(got, a)
		case err := <-done:
			t.Fatalf("Events returned %v; events so far %v", err, got)
		case <-ctx.Done():
			t.Fatalf("no die event; events so far %v", got)
		}
	}
	want := []string{"exec_create", "exec_start", "exec_die@4", "rename@/evjournal-web-1>evjournal-web-2", "kill@9", "die"}
	if !slices.Equal(got, want) {
		t.Errorf("events %v, want %v", got, want)
	}
	stop()
	if err := <-done; err != nil {
		t.Errorf("Events ended with %v", err)
	}
}

// TestEventsRuncHealthProbe sees a container's health probes as docker
// reports them: each an exec of the healthcheck's command as docker runs
// it, with the probe's exit code.
func TestEventsRuncHealthProbe(t *testing.T) {
	e := newTestEngine(t, testimage.ShellArchive(t))
	for _, tc := range []struct {
		name     string
		test     []string
		cmdLine  string
		exitCode string
	}{
		{"shell", []string{"CMD-SHELL", "exit 3"}, "/bin/sh -c exit 3", "3"},
		{"exec", []string{"CMD", "true"}, "true ", "0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Probes run every 200ms: a minute is for a loaded host.
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			project := "evprobe" + tc.name
			sctx, stop := context.WithCancel(ctx)
			defer stop()
			events := make(chan engine.Event, 64) // more than the probes until the test reads them
			done := make(chan error, 1)
			ready := make(chan struct{})
			go func() {
				done <- e.events(sctx, project, engine.EventOptions{}, func() { close(ready) }, func(ev engine.Event) error {
					select {
					case events <- ev:
					default: // the test has what it needs
					}
					return nil
				})
			}()
			<-ready
			interval := types.Duration(200 * time.Millisecond)
			runTestContainer(ctx, t, e, project, types.ServiceConfig{Image: testimage.ShellRef, Command: []string{"sleep", "1000"},
				HealthCheck: &types.HealthCheckConfig{Test: tc.test, Interval: &interval}})
			var got []engine.Event
			for len(got) < 3 {
				select {
				case ev := <-events:
					if strings.HasPrefix(ev.Action, "exec_") {
						got = append(got, ev)
					}
				case err := <-done:
					t.Fatalf("Events returned %v; exec events so far %v", err, got)
				case <-ctx.Done():
					t.Fatalf("no probe's exec_die; exec events so far %v", got)
				}
			}
			want := []string{"exec_create: " + tc.cmdLine, "exec_start: " + tc.cmdLine, "exec_die"}
			for i, ev := range got {
				if ev.Action != want[i] {
					t.Errorf("exec event %d is %q, want %q", i, ev.Action, want[i])
				}
				if ev.Attributes["execID"] == "" || ev.Attributes["execID"] != got[0].Attributes["execID"] {
					t.Errorf("%s has execID %q, want the exec_create's %q", ev.Action, ev.Attributes["execID"], got[0].Attributes["execID"])
				}
			}
			if code := got[2].Attributes["exitCode"]; code != tc.exitCode {
				t.Errorf("exec_die exitCode %q, want %q", code, tc.exitCode)
			}
			stop()
			if err := <-done; err != nil {
				t.Errorf("Events ended with %v", err)
			}
		})
	}
}
