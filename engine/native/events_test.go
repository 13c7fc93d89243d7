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

func TestTransitions(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	t1, t2, t3 := t0.Add(time.Second), t0.Add(5*time.Second), t0.Add(7*time.Second)
	now := t0.Add(time.Hour)
	rec := eventRecord{Name: "p-web-1", Image: "img", Labels: map[string]string{engine.LabelProject: "p"}, Created: t0}
	sc := func(st monitor.State, stop bool) *seenContainer {
		return &seenContainer{eventRecord: rec, State: st, stopAsked: stop}
	}
	created := monitor.State{Status: "created"}
	running := monitor.State{Status: "running", StartedAt: t1}
	exited := monitor.State{Status: "exited", StartedAt: t1, FinishedAt: t2, ExitCode: 3}
	for _, tc := range []struct {
		name      string
		prev, cur *seenContainer
		want      []string // action[@exitCode]
	}{
		{"create", nil, sc(created, false), []string{"create"}},
		{"create and run at once", nil, sc(running, false), []string{"create", "start"}},
		{"start", sc(created, false), sc(running, false), []string{"start"}},
		{"die", sc(running, false), sc(exited, false), []string{"die@3"}},
		{"stop", sc(running, false), sc(exited, true), []string{"die@3", "stop"}},
		{"short run", sc(created, false), sc(exited, false), []string{"start", "die@3"}},
		{"restart policy", sc(running, false), sc(monitor.State{Status: "running", StartedAt: t3, FinishedAt: t2, ExitCode: 1, RestartCount: 1}, false), []string{"die@1", "start"}},
		{"restarting", sc(running, false), sc(monitor.State{Status: "restarting", StartedAt: t1, FinishedAt: t2, ExitCode: 1}, false), []string{"die@1"}},
		{"pause", sc(running, false), sc(monitor.State{Status: "paused", StartedAt: t1}, false), []string{"pause"}},
		{"unpause", sc(monitor.State{Status: "paused", StartedAt: t1}, false), sc(running, false), []string{"unpause"}},
		{"healthy", sc(monitor.State{Status: "running", StartedAt: t1, Health: "starting"}, false), sc(monitor.State{Status: "running", StartedAt: t1, Health: "healthy"}, false), []string{"health_status: healthy"}},
		{"unhealthy", sc(monitor.State{Status: "running", StartedAt: t1, Health: "healthy"}, false), sc(monitor.State{Status: "running", StartedAt: t1, Health: "unhealthy"}, false), []string{"health_status: unhealthy"}},
		{"health starting is no event", sc(running, false), sc(monitor.State{Status: "running", StartedAt: t1, Health: "starting"}, false), nil},
		{"nothing changed", sc(running, false), sc(running, false), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, ev := range transitions("id", tc.prev, tc.cur, now) {
				if ev.Attributes["name"] != "p-web-1" || ev.Attributes["image"] != "img" || ev.Attributes[engine.LabelProject] != "p" {
					t.Errorf("%s: attributes %v lack the name, image or labels", ev.Action, ev.Attributes)
				}
				a := ev.Action
				if a == "die" {
					a += "@" + ev.Attributes["exitCode"]
				}
				got = append(got, a)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestDieEventDuration(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	c := &seenContainer{State: monitor.State{Status: "exited", StartedAt: t0, FinishedAt: t0.Add(90 * time.Second), ExitCode: 137}}
	ev := dieEvent("id", c, t0.Add(time.Hour))
	if ev.Attributes["exitCode"] != "137" || ev.Attributes["execDuration"] != "90" || !ev.Time.Equal(t0.Add(90*time.Second)) {
		t.Errorf("die event %+v, want exitCode 137, execDuration 90, at the finish", ev)
	}
}

// fakeContainer writes a container's record and state into root as the
// engine and a monitor would.
type fakeContainer struct {
	t    *testing.T
	root string
	id   string
}

func newFakeContainer(t *testing.T, root, id, project string, created time.Time) *fakeContainer {
	t.Helper()
	f := &fakeContainer{t: t, root: root, id: strings.Repeat(id, 64/len(id))}
	if err := os.MkdirAll(f.dir(), 0o755); err != nil {
		t.Fatal(err)
	}
	err := writeJSON(filepath.Join(f.dir(), "container.json"), eventRecord{Name: project + "-" + id, Image: "img",
		Labels: map[string]string{engine.LabelProject: project, engine.LabelService: "web"}, Created: created})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fakeContainer) dir() string { return filepath.Join(f.root, "containers", f.id) }

func (f *fakeContainer) state(st monitor.State) {
	f.t.Helper()
	if err := writeJSON(filepath.Join(f.dir(), monitor.StateFile), st); err != nil {
		f.t.Fatal(err)
	}
}

// TestEventsFromStateFiles streams events while state files change as a
// monitor changes them; another project's container is not reported.
func TestEventsFromStateFiles(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "containers"), 0o755); err != nil {
		t.Fatal(err)
	}
	e := &Engine{root: root}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	next, done := followEvents(t, ctx, e)
	other := newFakeContainer(t, root, "b", "other", time.Now())
	c := newFakeContainer(t, root, "a", "p", time.Now())
	if ev := next("create"); ev.ID != c.id || ev.Attributes["name"] != "p-a" || ev.Attributes[engine.LabelService] != "web" {
		t.Fatalf("create event %+v, want container %s with its name and labels", ev, c.id)
	}
	started := time.Now()
	other.state(monitor.State{Status: "running", Pid: os.Getpid(), StartedAt: started})
	c.state(monitor.State{Status: "running", Pid: os.Getpid(), StartedAt: started})
	next("start")
	c.state(monitor.State{Status: "running", Pid: os.Getpid(), StartedAt: started, Health: "healthy"})
	next("health_status: healthy")
	if err := os.WriteFile(filepath.Join(c.dir(), monitor.StopFile), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	c.state(monitor.State{Status: "exited", StartedAt: started, FinishedAt: time.Now(), ExitCode: 143})
	if ev := next("die"); ev.Attributes["exitCode"] != "143" {
		t.Errorf("die event attributes %v, want exitCode 143", ev.Attributes)
	}
	next("stop")
	if err := os.RemoveAll(c.dir()); err != nil {
		t.Fatal(err)
	}
	next("destroy")
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Events ended with %v, want nil when ctx ends", err)
	}
}

// TestEventsSinceUntil replays what the states tell of the past and
// returns once until has passed.
func TestEventsSinceUntil(t *testing.T) {
	root := t.TempDir()
	e := &Engine{root: root}
	start := time.Now().Add(-time.Minute)
	c := newFakeContainer(t, root, "c", "p", start.Add(-time.Second))
	c.state(monitor.State{Status: "exited", StartedAt: start, FinishedAt: start.Add(2 * time.Second), ExitCode: 0})
	var got []string
	err := e.Events(context.Background(), "p", engine.EventOptions{Since: "1h", Until: "1s"}, func(ev engine.Event) error {
		got = append(got, ev.Action)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"create", "start", "die"}; !slices.Equal(got, want) {
		t.Errorf("events since 1h until 1s ago: %v, want %v", got, want)
	}
}

// TestEventsRunc sees a real container start and die.
func TestEventsRunc(t *testing.T) {
	e := newTestEngine(t, testimage.Archive(t))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const project = "evrunc"
	id := createTestContainer(ctx, t, e, project, types.ServiceConfig{})
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	events := make(chan engine.Event, 16)
	done := make(chan error, 1)
	ready := make(chan struct{})
	go func() {
		done <- e.events(sctx, project, engine.EventOptions{}, func() { close(ready) }, func(ev engine.Event) error {
			events <- ev
			return nil
		})
	}()
	<-ready
	if err := e.StartContainer(ctx, id); err != nil {
		t.Fatal(err)
	}
	zero := time.Duration(0)
	if err := e.StopContainer(ctx, id, &zero); err != nil {
		t.Fatal(err)
	}
	var got []string
	for !slices.Contains(got, "die") {
		select {
		case ev := <-events:
			if ev.ID != id {
				t.Fatalf("event %+v of another container", ev)
			}
			got = append(got, ev.Action)
		case err := <-done:
			t.Fatalf("Events returned %v; events so far %v", err, got)
		case <-ctx.Done():
			t.Fatalf("no die event; events so far %v", got)
		}
	}
	if !slices.Contains(got, "start") {
		t.Errorf("events %v, want a start before the die", got)
	}
	stop()
	if err := <-done; err != nil {
		t.Errorf("Events ended with %v", err)
	}
}

// followEvents runs e's events for project p until ctx ends and returns,
// once they watch, a func that takes the next event and fails the test
// unless its action is want, and where the events' error comes when they
// end.
func followEvents(t *testing.T, ctx context.Context, e *Engine) (next func(want string) engine.Event, done <-chan error) {
	t.Helper()
	events := make(chan engine.Event)
	ended := make(chan error, 1)
	ready := make(chan struct{})
	go func() {
		ended <- e.events(ctx, "p", engine.EventOptions{}, func() { close(ready) }, func(ev engine.Event) error {
			select {
			case events <- ev:
			case <-ctx.Done():
			}
			return nil
		})
	}()
	select {
	case <-ready:
	case err := <-ended:
		t.Fatalf("Events returned %v before it watched", err)
	}
	return func(want string) engine.Event {
		t.Helper()
		select {
		case ev := <-events:
			if ev.Action != want {
				t.Fatalf("event %s %v, want %s", ev.Action, ev.Attributes, want)
			}
			return ev
		case err := <-ended:
			t.Fatalf("Events returned %v before %s", err, want)
		case <-ctx.Done():
			t.Fatalf("no %s event", want)
		}
		return engine.Event{}
	}, ended
}

// TestEventsSinceKeepsTheLatest replays a journal of more notes than
// dockerd keeps: the oldest go, the latest historyLimit come in order.
func TestEventsSinceKeepsTheLatest(t *testing.T) {
	root := t.TempDir()
	e := &Engine{root: root}
	start := time.Now().Add(-time.Hour)
	c := newFakeContainer(t, root, "c", "p", start.Add(-time.Second))
	c.state(monitor.State{Status: "running", Pid: os.Getpid(), StartedAt: start})
	const n = historyLimit // three notes each, 3n in all
	for i := range n {
		e.note(c.id, journal.Entry{Time: start.Add(time.Duration(i+1) * time.Second), Action: "kill", Signal: i % 64})
		e.note(c.id, journal.Entry{Time: start.Add(time.Duration(i+1)*time.Second + time.Millisecond), Action: "kill", Signal: i % 64})
		e.note(c.id, journal.Entry{Time: start.Add(time.Duration(i+1)*time.Second + 2*time.Millisecond), Action: "kill", Signal: i % 64})
	}
	var got []engine.Event
	err := e.Events(context.Background(), "p", engine.EventOptions{Since: "2h", Until: "0s"}, func(ev engine.Event) error {
		got = append(got, ev)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != historyLimit {
		t.Fatalf("events since 2h: %d, want the latest %d", len(got), historyLimit)
	}
	last := start.Add(time.Duration(n)*time.Second + 2*time.Millisecond)
	if !got[len(got)-1].Time.Equal(last) || slices.ContainsFunc(got, func(ev engine.Event) bool { return ev.Action == "create" || ev.Action == "start" }) {
		t.Errorf("events since 2h run %s..%s with create or start among them; want the latest notes up to %s", got[0].Time, got[len(got)-1].Time, last)
	}
	if !slices.IsSortedFunc(got, func(a, b engine.Event) int { return a.Time.Compare(b.Time) }) {
		t.Error("events since 2h are not in time order")
	}
}
