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

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/fake"
)

// callIndex returns the position of the first recorded call of method whose
// first argument is arg, or -1.
func callIndex(f *fake.Engine, method, arg string) int {
	for i, c := range f.Calls() {
		if c.Method == method && len(c.Args) > 0 && c.Args[0] == arg {
			return i
		}
	}
	return -1
}

func applyUp(t *testing.T, f *fake.Engine, yaml string, opts ApplyOptions) error {
	t.Helper()
	p := load(t, yaml)
	plan := planUp(t, p, observe(t, f), UpOptions{})
	return Apply(context.Background(), plan, f, opts)
}

func TestApplyOrdersDependencies(t *testing.T) {
	chain := shop + "  cache:\n    image: redis:7\n    depends_on: [web]\n"
	f := newFake()
	if err := applyUp(t, f, chain, ApplyOptions{Parallel: 4}); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	s := observe(t, f)
	for _, pair := range [][2]string{{"shop-db-1", "shop-web-1"}, {"shop-web-1", "shop-cache-1"}} {
		dep := containerNamed(t, s, pair[0])
		started := callIndex(f, "StartContainer", dep.ID)
		created := callIndex(f, "CreateContainer", pair[1])
		if started < 0 || created < 0 || started > created {
			t.Errorf("Apply: StartContainer(%s) at call %d, CreateContainer(%s) at %d; want the dependency started first",
				pair[0], started, pair[1], created)
		}
	}
}

func TestApplyParallelLimit(t *testing.T) {
	var yaml strings.Builder
	yaml.WriteString("services:\n")
	for i := range 6 {
		fmt.Fprintf(&yaml, "  s%d:\n    image: busybox\n", i)
	}
	for _, limit := range []int{1, 2, 3} {
		t.Run(fmt.Sprint(limit), func(t *testing.T) {
			f := newFake()
			var active, peak atomic.Int32
			f.Hooks.CreateContainer = func(ctx context.Context, _ engine.ContainerSpec) error {
				n := active.Add(1)
				defer active.Add(-1)
				for {
					p := peak.Load()
					if n <= p || peak.CompareAndSwap(p, n) {
						break
					}
				}
				// Hold the slot for a while: whatever the dispatcher lets in
				// meanwhile shows up in the peak, above or below the limit.
				select {
				case <-time.After(30 * time.Millisecond):
				case <-ctx.Done():
				}
				return nil
			}
			if err := applyUp(t, f, yaml.String(), ApplyOptions{Parallel: limit}); err != nil {
				t.Fatalf("Apply: %v", err)
			}
			if got := int(peak.Load()); got != limit {
				t.Errorf("Apply(Parallel %d) peak concurrent creates got %d, want %d", limit, got, limit)
			}
		})
	}
}

func TestApplyStopsOnFirstError(t *testing.T) {
	chain := shop + "  cache:\n    image: redis:7\n    depends_on: [web]\n"
	f := newFake()
	boom := errors.New("boom")
	f.Hooks.CreateContainer = func(_ context.Context, spec engine.ContainerSpec) error {
		if spec.Name == "shop-web-1" {
			return boom
		}
		return nil
	}
	var mu sync.Mutex
	var errorsSeen []string
	err := applyUp(t, f, chain, ApplyOptions{Progress: func(e Event) {
		if e.Status == StatusError {
			mu.Lock()
			errorsSeen = append(errorsSeen, e.Target.Name)
			mu.Unlock()
		}
	}})
	// The engine names the operation, Apply the service, once each.
	if want := `service "web": create container shop-web-1: boom`; !errors.Is(err, boom) || err.Error() != want {
		t.Fatalf("Apply got error %v, want boom as %q", err, want)
	}
	if i := callIndex(f, "CreateContainer", "shop-cache-1"); i >= 0 {
		t.Errorf("Apply after a failure got CreateContainer(shop-cache-1) at call %d, want it never started", i)
	}
	if i := callIndex(f, "CreateContainer", "shop-db-1"); i < 0 {
		t.Errorf("Apply got no CreateContainer(shop-db-1), want the independent work done")
	}
	if !slices.Equal(errorsSeen, []string{"shop-web-1"}) {
		t.Errorf("Apply error events got %v, want [shop-web-1]", errorsSeen)
	}
}

func TestApplyCancelledStartsNothing(t *testing.T) {
	f := newFake()
	p := load(t, shop)
	plan := planUp(t, p, observe(t, f), UpOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := Apply(ctx, plan, f, ApplyOptions{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Apply(cancelled) got %v, want context.Canceled", err)
	}
	if m := f.Mutations(); len(m) != 0 {
		t.Errorf("Apply(cancelled) got mutations %v, want none", m)
	}
}

const healthy = `
services:
  db:
    image: postgres:16
    healthcheck:
      test: ["CMD", "pg_isready"]
  migrate:
    image: busybox
    command: ["exit", "%d"]
  web:
    image: example/api:1.4
    depends_on:
      db:
        condition: service_healthy
      migrate:
        condition: service_completed_successfully
        required: %t
`

// applyWithHealth applies healthy, setting db's health to status (with
// probe output) as soon as a start begins to wait for it.
func applyWithHealth(t *testing.T, exit int, required bool, status string, probe ...string) (*fake.Engine, []Event, error) {
	t.Helper()
	f := newFake()
	var mu sync.Mutex
	var events []Event
	err := applyUp(t, f, fmt.Sprintf(healthy, exit, required), ApplyOptions{
		PollInterval: time.Millisecond,
		Progress: func(e Event) {
			mu.Lock()
			events = append(events, e)
			mu.Unlock()
			if e.Status == StatusWaiting && e.Target.Name == "shop-db-1" {
				if err := f.SetHealth(e.Target.ID, status, probe...); err != nil {
					t.Errorf("SetHealth: %v", err)
				}
			}
		}})
	return f, events, err
}

func TestApplyWaitsForDependencies(t *testing.T) {
	tests := []struct {
		name     string
		exit     int
		required bool
		health   string
		probe    []string
		wantErr  string // "" when web must start
		warning  string // a warning event text web's start must report
	}{
		{name: "healthy-and-completed", health: "healthy", required: true},
		{name: "unhealthy", health: "unhealthy", required: true, probe: []string{"ok", "pg_isready: no response\n"},
			wantErr: `service "web": dependency "db" is unhealthy: pg_isready: no response`},
		{name: "migration-failed", exit: 3, health: "healthy", required: true,
			wantErr: `dependency "migrate" did not complete successfully: exit code 3`},
		{name: "optional-migration-failed", exit: 3, health: "healthy", required: false,
			warning: `optional dependency "migrate" did not complete successfully: exit code 3; starting anyway (required: false)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, events, err := applyWithHealth(t, tt.exit, tt.required, tt.health, tt.probe...)
			web := containerNamed(t, observe(t, f), "shop-web-1")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Apply got error %v, want one containing %q", err, tt.wantErr)
				}
				if web.State == "running" {
					t.Errorf("Apply(%s) left web running, want it not started", tt.name)
				}
				return
			}
			if err != nil {
				t.Fatalf("Apply: %v", err)
			}
			if web.State != "running" {
				t.Errorf("Apply(%s) web got state %s, want running", tt.name, web.State)
			}
			if tt.warning != "" && !slices.ContainsFunc(events, func(e Event) bool {
				return e.Status == StatusWarning && e.Text == tt.warning
			}) {
				t.Errorf("Apply(%s) got no warning %q in events", tt.name, tt.warning)
			}
		})
	}
}

func TestApplyRecreateKeepsNameAndVolumes(t *testing.T) {
	const yaml = "services:\n  web:\n    image: busybox\n    volumes: [/data]\n    environment: {V: \"1\"}\n"
	for _, renew := range []bool{false, true} {
		t.Run(fmt.Sprintf("renew=%t", renew), func(t *testing.T) {
			f := newFake()
			up(t, f, yaml, UpOptions{})
			old := containerNamed(t, observe(t, f), "shop-web-1")
			plan := up(t, f, strings.Replace(yaml, `"1"`, `"2"`, 1), UpOptions{RenewAnonVolumes: renew})
			if len(plan.Actions) != 1 || plan.Actions[0].Kind != Recreate {
				t.Fatalf("PlanUp(env changed) got\n%s\nwant one recreate", plan)
			}
			s := observe(t, f)
			if len(s.Containers) != 1 {
				t.Fatalf("after recreate got %d containers, want 1", len(s.Containers))
			}
			now := s.Containers[0]
			if now.Name != "shop-web-1" || now.ID == old.ID || now.State != "running" {
				t.Errorf("after recreate got %s (%s, %s), want a new running shop-web-1", now.Name, now.ID, now.State)
			}
			spec, err := f.Spec(now.ID)
			if err != nil {
				t.Fatal(err)
			}
			wantInherit := old.ID
			if renew {
				wantInherit = ""
			}
			if spec.InheritVolumesFrom != wantInherit {
				t.Errorf("recreate InheritVolumesFrom got %q, want %q", spec.InheritVolumesFrom, wantInherit)
			}
			sameVolume := now.Mounts[0].Name == old.Mounts[0].Name
			if sameVolume == renew {
				t.Errorf("recreate (renew %t) anonymous volume got %s, was %s", renew, now.Mounts[0].Name, old.Mounts[0].Name)
			}
		})
	}
}

func TestApplyHashLabelMatchesResolvedService(t *testing.T) {
	yaml := shop + "  sidecar:\n    image: busybox\n    network_mode: service:web\n    volumes_from: [db:ro]\n"
	f := newFake()
	up(t, f, yaml, UpOptions{})
	s := observe(t, f)
	web, db := containerNamed(t, s, "shop-web-1"), containerNamed(t, s, "shop-db-1")
	for _, name := range []string{"web", "db", "sidecar"} {
		svc := load(t, yaml).Services[name]
		if name == "sidecar" {
			svc.NetworkMode = types.ContainerPrefix + web.ID
			svc.VolumesFrom = []string{db.ID}
		}
		want, err := ServiceHash(svc)
		if err != nil {
			t.Fatal(err)
		}
		c := containerNamed(t, s, "shop-"+name+"-1")
		if got := c.Labels[engine.LabelConfigHash]; got != want {
			t.Errorf("%s config-hash label got %s, want ServiceHash(resolved service) %s", name, got, want)
		}
		if got := recordedConfig(c); got == nil || got.Hash != want {
			t.Errorf("%s %s label got record %+v, want one for hash %s", name, LabelConfig, got, want)
		}
	}
}

func TestApplyChecksExternalNetworks(t *testing.T) {
	yaml := "services:\n  web:\n    image: busybox\n    networks: [front]\nnetworks:\n  front:\n    external: true\n"
	f := newFake()
	err := applyUp(t, f, yaml, ApplyOptions{})
	if !errors.Is(err, engine.ErrNotFound) || !strings.Contains(err.Error(), "external network front not found") {
		t.Fatalf("Apply(missing external network) got %v, want external network front not found", err)
	}
	if m := f.Mutations(); len(m) != 0 {
		t.Errorf("Apply(missing external network) got mutations %v, want none", m)
	}
	f = fake.New().WithImage(baseImages()...).WithNetwork(engine.Network{Name: "front"}).Build()
	if err := applyUp(t, f, yaml, ApplyOptions{}); err != nil {
		t.Fatalf("Apply(existing external network): %v", err)
	}
}

func TestApplyRemovesNetworkWithStaleEndpoints(t *testing.T) {
	f := newFake()
	up(t, f, shop, UpOptions{})
	var calls atomic.Int32
	f.Hooks.RemoveNetwork = func(context.Context, string) error {
		if calls.Add(1) == 1 {
			return fmt.Errorf("stale: %w", engine.ErrActiveEndpoints)
		}
		return nil
	}
	p := load(t, shop)
	plan, err := PlanDown(p, observe(t, f), DownOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := Apply(context.Background(), plan, f, ApplyOptions{StateDir: t.TempDir()}); err != nil {
		t.Fatalf("Apply(down): %v", err)
	}
	if n := observe(t, f).Networks; len(n) != 0 || calls.Load() != 2 {
		t.Errorf("Apply(down, stale endpoints) got networks %v after %d removals, want none after 2", n, calls.Load())
	}
}

func TestApplyRepairsInterruptedRecreate(t *testing.T) {
	f := newFake()
	up(t, f, shop, UpOptions{})
	changed := edit(t, shop, "postgres:16", "postgres:latest")
	_ = f.BuildImage(context.Background(), engine.BuildSpec{Tag: "postgres:latest"}, nil)
	f.Hooks.RemoveContainer = func(context.Context, string, engine.RemoveOptions) error { return errors.New("boom") }
	if err := applyUp(t, f, changed, ApplyOptions{}); err == nil {
		t.Fatal("Apply(remove fails) got no error")
	}
	f.Hooks = fake.Hooks{}
	// The replacement stays under its temporary name, which the next
	// recreate of shop-db-1 uses again: it must be gone first.
	plan := planUp(t, load(t, changed), observe(t, f), UpOptions{ForceRecreate: true})
	dup, recreate := -1, -1
	for i, a := range plan.Actions {
		switch {
		case a.Kind == RemoveContainer && strings.HasSuffix(a.Target.Name, "_shop-db-1"):
			dup = i
		case a.Kind == Recreate && a.Target.Name == "shop-db-1":
			recreate = i
		}
	}
	if dup < 0 || recreate < 0 || !slices.Contains(plan.Actions[recreate].After, dup) {
		t.Fatalf("PlanUp(interrupted recreate) got\n%s\nwant the recreate of shop-db-1 after the removal of the leftover", plan)
	}
	if err := Apply(context.Background(), plan, f, ApplyOptions{}); err != nil {
		t.Fatalf("Apply(repair): %v", err)
	}
	if again := planUp(t, load(t, changed), observe(t, f), UpOptions{}); !again.Empty() {
		t.Errorf("PlanUp after repair got\n%s\nwant nothing to do", again)
	}
}

// TestApplyRepairsRecreateInterruptedBeforeRename covers a recreate stopped
// after the old container was removed but before the replacement took its
// name: the only container left has the temporary name, and the repair must
// end with the wanted name, not recreate under the temporary one again.
func TestApplyRepairsRecreateInterruptedBeforeRename(t *testing.T) {
	f := newFake()
	up(t, f, shop, UpOptions{})
	changed := edit(t, shop, "postgres:16", "postgres:latest")
	_ = f.BuildImage(context.Background(), engine.BuildSpec{Tag: "postgres:latest"}, nil)
	f.Hooks.RenameContainer = func(context.Context, string, string) error { return errors.New("boom") }
	if err := applyUp(t, f, changed, ApplyOptions{}); err == nil {
		t.Fatal("Apply(rename fails) got no error")
	}
	mustRepair(t, f, changed, "repair")
	var names []string
	for _, c := range observe(t, f).Containers {
		names = append(names, c.Name)
	}
	if !slices.Contains(names, "shop-db-1") || slices.ContainsFunc(names, func(n string) bool { return strings.HasSuffix(n, "_shop-db-1") }) {
		t.Errorf("containers after repair got %v, want shop-db-1 and no temporary name", names)
	}
}

// mustRepair clears f's failure hooks, applies yaml again, which must
// succeed (what describes what that apply does), and checks that nothing is
// left to do.
func mustRepair(t *testing.T, f *fake.Engine, yaml, what string) {
	t.Helper()
	f.Hooks = fake.Hooks{}
	if err := applyUp(t, f, yaml, ApplyOptions{}); err != nil {
		t.Fatalf("Apply(%s): %v", what, err)
	}
	if again := planUp(t, load(t, yaml), observe(t, f), UpOptions{}); !again.Empty() {
		t.Errorf("PlanUp after %s got\n%s\nwant nothing to do", what, again)
	}
}

// TestApplyRepairWaitsForTheRenamedDependency repairs a dependency whose
// recreate was cut off before the rename, together with a dependent that
// waits for it: the dependent must find the dependency's replacement under
// its final name, not the interrupted container it replaced.
func TestApplyRepairWaitsForTheRenamedDependency(t *testing.T) {
	f := fake.New().WithImage(baseImages()...).
		WithStartHealth(func(engine.ContainerSpec) (string, []string) { return "healthy", nil }).Build()
	// Only a health wait looks the dependency's container up.
	healthy := edit(t, edit(t, shop, "depends_on: [db]", "depends_on: {db: {condition: service_healthy}}"),
		"volumes: [data:/var/lib/postgresql/data]", "volumes: [data:/var/lib/postgresql/data]\n    healthcheck: {test: [CMD, pg_isready]}")
	up(t, f, healthy, UpOptions{})
	changed := edit(t, edit(t, healthy, "postgres:16", "postgres:latest"), "example/api:1.4", "example/api:1.5")
	_ = f.BuildImage(context.Background(), engine.BuildSpec{Tag: "postgres:latest"}, nil)
	f.Hooks.RenameContainer = func(_ context.Context, _, name string) error {
		if name == "shop-db-1" {
			return errors.New("boom")
		}
		return nil
	}
	if err := applyUp(t, f, changed, ApplyOptions{}); err == nil {
		t.Fatal("Apply(rename of db fails) got no error")
	}
	mustRepair(t, f, changed, "repair db, recreate web")
}
