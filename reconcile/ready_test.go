package reconcile

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/berth-dev/berth/engine"
)

// waitProject has a service of each kind Wait tells apart.
const waitProject = `
services:
  web:
    image: example/api:1.4
  db:
    image: postgres:16
    healthcheck: {test: ["CMD", "pg_isready"]}
  job:
    image: busybox
    command: ["exit", "0"]
`

func TestWait(t *testing.T) {
	tests := []struct {
		name     string
		yaml     string
		services []string
		// health is what db's healthcheck reports after its first
		// inspection; it starts as "starting".
		health  string
		timeout time.Duration
		want    string // the error; "" for success
		events  []string
	}{
		{name: "all ready", yaml: waitProject, health: "healthy",
			events: []string{"shop-job-1 Exited", "shop-web-1 Running", "shop-db-1 Healthy"}},
		{name: "unhealthy", yaml: waitProject, health: "unhealthy",
			want: `service "db": container shop-db-1 is unhealthy: pg_isready: no response` +
				"\n  last log lines:\n    db line 1\n    db line 2",
			events: []string{"shop-job-1 Exited", "shop-web-1 Running", "shop-db-1 Error"}},
		// Only the last ten lines of the job's twelve are quoted.
		{name: "failed job", yaml: edit(t, waitProject, `["exit", "0"]`, `["exit", "3"]`), health: "healthy",
			want: `service "job": container shop-job-1 exited with code 3` + "\n  last log lines:" +
				"\n    job line 3\n    job line 4\n    job line 5\n    job line 6\n    job line 7" +
				"\n    job line 8\n    job line 9\n    job line 10\n    job line 11\n    job line 12",
			events: []string{"shop-job-1 Error", "shop-web-1 Running"}},
		// The engine would start it again, so its exit is not the end.
		{name: "exit 0 under restart always", yaml: edit(t, waitProject, "command: [\"exit\", \"0\"]", "command: [\"exit\", \"0\"]\n    restart: always"),
			services: []string{"job"}, timeout: 20 * time.Millisecond,
			want: "application not healthy after 20ms\nservice \"job\": container shop-job-1 is still exited" +
				"\n  last log lines:\n    job line 3\n    job line 4\n    job line 5\n    job line 6\n    job line 7" +
				"\n    job line 8\n    job line 9\n    job line 10\n    job line 11\n    job line 12",
			events: nil},
		{name: "timeout", yaml: waitProject, health: "starting", timeout: 20 * time.Millisecond,
			want: "application not healthy after 20ms\nservice \"db\": container shop-db-1 is still running (health: starting)" +
				"\n  last health probe: pg_isready: no response\n  last log lines:\n    db line 1\n    db line 2",
			events: []string{"shop-job-1 Exited", "shop-web-1 Running"}},
		// db never turns healthy here, and is not waited for.
		{name: "selected services", yaml: waitProject, services: []string{"web"}, health: "starting",
			events: []string{"shop-web-1 Running"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake()
			up(t, f, tt.yaml, UpOptions{})
			db := ""
			var inspected atomic.Int32
			f.Hooks.InspectContainer = func(_ context.Context, id string) error {
				if id == db && inspected.Add(1) == 2 {
					return f.SetHealth(id, tt.health, "pg_isready: no response")
				}
				return nil
			}
			s := observe(t, f)
			var jobLog strings.Builder
			for i := 1; i <= 12; i++ {
				fmt.Fprintf(&jobLog, "job line %d\n", i)
			}
			for _, c := range s.Containers {
				switch c.Name {
				case "shop-db-1":
					db = c.ID
					mustDo(t, f.SetLogs(c.ID, "db line 1\n", "db line 2\n"))
				case "shop-job-1":
					mustDo(t, f.SetLogs(c.ID, jobLog.String(), ""))
				}
			}
			var mu sync.Mutex
			var events []string
			err := Wait(context.Background(), f, load(t, tt.yaml), s, WaitOptions{
				Services: tt.services, PollInterval: time.Millisecond, Timeout: tt.timeout,
				Progress: func(e Event) {
					if e.Status != StatusWorking {
						mu.Lock()
						events = append(events, e.Target.Name+" "+e.Text)
						mu.Unlock()
					}
				},
			})
			if got := errText(err); got != tt.want {
				t.Errorf("Wait(%s) got error %q, want %q", tt.name, got, tt.want)
			}
			if !slices.Equal(events, tt.events) {
				t.Errorf("Wait(%s) got final events %q, want %q", tt.name, events, tt.events)
			}
		})
	}
}

// TestWaitCancelled: a wait that cannot end (db stays "starting") returns
// when ctx does.
func TestWaitCancelled(t *testing.T) {
	f := newFake()
	up(t, f, waitProject, UpOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	var n atomic.Int32
	f.Hooks.InspectContainer = func(context.Context, string) error {
		if n.Add(1) == 5 {
			cancel()
		}
		return nil
	}
	err := Wait(ctx, f, load(t, waitProject), observe(t, f), WaitOptions{PollInterval: time.Millisecond})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Wait(cancelled) got %v, want context.Canceled", err)
	}
}

// TestWaitSkipsOthers: one-off containers and orphans are not waited for,
// even when they would fail the wait.
func TestWaitSkipsOthers(t *testing.T) {
	labels := func(service, oneoff string) map[string]string {
		return map[string]string{engine.LabelProject: "shop", engine.LabelService: service,
			engine.LabelNumber: "1", engine.LabelOneoff: oneoff}
	}
	f := newFake(
		engine.Container{Name: "shop-web-run-1", Image: "busybox", State: "exited", ExitCode: 1, Labels: labels("web", "True")},
		engine.Container{Name: "shop-old-1", Image: "busybox", State: "exited", ExitCode: 1, Labels: labels("old", "False")},
	)
	up(t, f, "services:\n  web:\n    image: busybox\n", UpOptions{})
	if err := Wait(context.Background(), f, load(t, "services:\n  web:\n    image: busybox\n"), observe(t, f), WaitOptions{PollInterval: time.Millisecond}); err != nil {
		t.Errorf("Wait with a failed one-off and orphan got %v, want nil", err)
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func mustDo(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
