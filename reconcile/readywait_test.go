package reconcile

import (
	"context"
	"regexp"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/readiness"
)

// conditionsProject has a service with a healthcheck and a log condition,
// one with a command condition, and a one-shot with a log condition.
const conditionsProject = `
services:
  db:
    image: postgres:16
    healthcheck: {test: ["CMD", "pg_isready"]}
    x-berth-wait:
      log: "ready to accept connections"
      interval: 1ms
  web:
    image: example/api:1.4
    x-berth-wait:
      command: ["check"]
      interval: 1ms
  job:
    image: busybox
    command: ["exit", "0"]
    x-berth-wait: {log: "^migrated$"}
`

func TestWaitConditions(t *testing.T) {
	tests := []struct {
		name     string
		yaml     string
		services []string
		waitFor  map[string]readiness.Spec
		health   string // db's health from its first inspection on
		dbLog    string // db's output from its first inspection on
		jobLog   string
		webCheck int // the exit code of web's command
		timeout  time.Duration
		want     string
		events   []string
	}{
		{name: "all hold", yaml: conditionsProject, health: "healthy", dbLog: "LOG: ready to accept connections\n", jobLog: "migrated\n",
			events: []string{"shop-db-1 Ready", "shop-job-1 Exited", "shop-web-1 Ready"}},
		// Healthy is not enough while the log line is missing, and the
		// timeout names the unmet condition.
		{name: "healthy without the log line", yaml: conditionsProject, services: []string{"db"}, health: "healthy", dbLog: "starting\n",
			timeout: 200 * time.Millisecond,
			want: "application not healthy after 200ms\nservice \"db\": container shop-db-1 is still running (health: healthy)" +
				"\n  waiting for log:ready to accept connections: log: no line matches \"ready to accept connections\" (1 lines so far)" +
				"\n  last health probe: ok\n  last log lines:\n    starting"},
		// And the log line is not enough while the healthcheck has not passed.
		{name: "log line while starting", yaml: conditionsProject, services: []string{"db"}, health: "starting", dbLog: "ready to accept connections\n",
			timeout: 200 * time.Millisecond,
			want: "application not healthy after 200ms\nservice \"db\": container shop-db-1 is still running (health: starting)" +
				"\n  last health probe: ok\n  last log lines:\n    ready to accept connections"},
		{name: "command fails until the service's own timeout", services: []string{"web"}, webCheck: 3,
			yaml: edit(t, conditionsProject, `command: ["check"]`, "command: [\"check\"]\n      timeout: 20ms"),
			want: "service \"web\": container shop-web-1 was not ready within its own timeout of 20ms (x-berth-wait)" +
				"\n  waiting for cmd:check: command [\"check\"]: exit code 3\n  last log lines:\n    listening on :8080",
			events: []string{"shop-web-1 Error"}},
		// A one-shot that exited 0 without its line never will print it.
		{name: "one-shot exited before its log line", yaml: conditionsProject, services: []string{"job"}, jobLog: "nothing to do\n",
			want: "service \"job\": container shop-job-1 exited with code 0 before its readiness conditions held" +
				"\n  waiting for log:^migrated$: log: no line matches \"^migrated$\" (1 lines so far)\n  last log lines:\n    nothing to do",
			events: []string{"shop-job-1 Error"}},
		// --wait-for replaces the file's conditions: web's failing command
		// no longer counts, its log line does.
		{name: "flags replace the file", yaml: conditionsProject, services: []string{"web"}, webCheck: 1,
			waitFor: map[string]readiness.Spec{"web": {Conditions: []readiness.Condition{readiness.Log{Pattern: regexp.MustCompile("listening")}}, Interval: time.Millisecond}},
			events:  []string{"shop-web-1 Ready"}},
		{name: "bad extension", yaml: edit(t, conditionsProject, `command: ["check"]`, `command: 3`),
			want: `service "web": x-berth-wait.command: must be a list of arguments or a string, got 3`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake()
			up(t, f, tt.yaml, UpOptions{})
			s := observe(t, f)
			db := containerNamed(t, s, "shop-db-1").ID
			mustDo(t, f.SetLogs(containerNamed(t, s, "shop-job-1").ID, tt.jobLog, ""))
			mustDo(t, f.SetLogs(containerNamed(t, s, "shop-web-1").ID, "listening on :8080\n", ""))
			var inspected atomic.Int32
			f.Hooks.InspectContainer = func(_ context.Context, id string) error {
				if id == db && inspected.Add(1) == 1 {
					mustDo(t, f.SetLogs(db, tt.dbLog, ""))
					return f.SetHealth(id, tt.health, "ok")
				}
				return nil
			}
			f.SetExec(func(_ engine.Container, spec engine.ExecSpec, _ engine.Streams) int {
				if slices.Equal(spec.Cmd, []string{"check"}) {
					return tt.webCheck
				}
				return 0
			})
			var mu sync.Mutex
			var events []string
			err := Wait(context.Background(), f, load(t, tt.yaml), s, WaitOptions{
				Services: tt.services, PollInterval: time.Millisecond, Timeout: tt.timeout, WaitFor: tt.waitFor,
				Progress: func(e Event) {
					if e.Status != StatusWorking {
						mu.Lock()
						events = append(events, e.Target.Name+" "+e.Text)
						mu.Unlock()
					}
				},
			})
			if got := errText(err); got != tt.want {
				t.Errorf("Wait(%s) got error\n%s\nwant\n%s", tt.name, got, tt.want)
			}
			if !slices.Equal(events, tt.events) {
				t.Errorf("Wait(%s) got final events %q, want %q", tt.name, events, tt.events)
			}
		})
	}
}

// TestWaitForUnknownService: --wait-for naming no service fails before
// any wait.
func TestWaitForUnknownService(t *testing.T) {
	f := newFake()
	up(t, f, conditionsProject, UpOptions{})
	err := Wait(context.Background(), f, load(t, conditionsProject), observe(t, f), WaitOptions{
		WaitFor: map[string]readiness.Spec{"wbe": {Conditions: []readiness.Condition{readiness.TCP{Port: 80}}}},
	})
	if want := "--wait-for wbe: no such service in project shop"; errText(err) != want {
		t.Errorf("Wait with --wait-for wbe got %v, want %s", err, want)
	}
	for _, c := range f.Calls() {
		if c.Method == "InspectContainer" {
			t.Errorf("Wait with a bad --wait-for inspected containers: %v", f.Calls())
			break
		}
	}
}

// TestHashIgnoresWaitExtension: compose-go leaves extensions out of a
// service's JSON (`json:"-"`), so adding x-berth-wait changes neither
// berth's config hash nor compose's, and recreates nothing.
func TestHashIgnoresWaitExtension(t *testing.T) {
	plain := "services:\n  web:\n    image: example/api:1.4\n"
	with := plain + "    x-berth-wait: {http: \"8080/health\"}\n"
	a, err := ServiceHash(load(t, plain).Services["web"])
	mustDo(t, err)
	b, err := ServiceHash(load(t, with).Services["web"])
	mustDo(t, err)
	if a != b {
		t.Errorf("ServiceHash with x-berth-wait is %s, without %s: want them equal", b, a)
	}
}
