package reconcile

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/fake"
)

// earlyNames names the containers e stops.
func earlyNames(e *EarlyStops) []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []string
	for _, s := range e.stops {
		out = append(out, s.name)
	}
	slices.Sort(out)
	return out
}

// stopsOf lists the IDs f was asked to stop.
func stopsOf(f *fake.Engine) []string {
	var out []string
	for _, c := range f.Calls() {
		if c.Method == "StopContainer" {
			out = append(out, c.Args[0])
		}
	}
	return out
}

// TestStopEarly brings shop up, edits it and asks StopEarly which
// containers it stops: only those the plan is certain to recreate.
func TestStopEarly(t *testing.T) {
	webImage := func(y string) string { return edit(t, y, "example/api:1.4", "example/api:1.5") }
	foreign := engine.Container{Name: "shop-web-2", State: "running", Image: "example/api:1.4"}
	tests := []struct {
		name    string
		base    string              // the file brought up; shop when empty
		change  func(string) string // the edit
		edited  []string
		opts    UpOptions
		prepare func(t *testing.T, f *fake.Engine)
		extra   []engine.Container // on the engine from the start
		want    []string
	}{
		{name: "edited service runs an old config", change: webImage, edited: []string{"web"}, want: []string{"shop-web-1"}},
		{name: "two edited services apart", base: shop + "  cache:\n    image: redis:7\n", change: func(y string) string {
			return edit(t, webImage(y), "image: redis:7", "image: redis:7\n    environment: {A: b}")
		}, edited: []string{"cache", "web"}, want: []string{"shop-cache-1", "shop-web-1"}},
		{name: "edited with what it depends on", change: func(y string) string {
			return edit(t, webImage(y), "image: postgres:16", "image: postgres:16\n    environment: {A: b}")
		}, edited: []string{"db", "web"}, want: []string{"shop-db-1"}},
		{name: "edit left the config as it was", change: func(y string) string { return y }, edited: []string{"web"}},
		{name: "another service was edited", change: webImage, edited: []string{"db"}},
		{name: "edited service not in the project", change: webImage, edited: []string{"ghost"}},
		{name: "container stopped already", change: webImage, edited: []string{"web"},
			prepare: func(t *testing.T, f *fake.Engine) {
				t.Helper()
				if err := f.StopContainer(context.Background(), containerNamed(t, observe(t, f), "shop-web-1").ID, nil); err != nil {
					t.Fatal(err)
				}
			}},
		{name: "--no-start", change: webImage, edited: []string{"web"}, opts: UpOptions{NoStart: true}},
		{name: "--no-recreate", change: webImage, edited: []string{"web"}, opts: UpOptions{NoRecreate: true}},
		{name: "services named", change: webImage, edited: []string{"web"}, opts: UpOptions{Services: []string{"web"}}},
		{name: "network of another service", change: func(y string) string {
			return edit(t, y, "    ports: [\"8080:80\"]\n", "    network_mode: service:db\n")
		}, edited: []string{"web"}},
		{name: "image built", change: func(y string) string {
			return edit(t, y, "    image: example/api:1.4\n", "    image: example/api:1.4\n    build: ./worker\n")
		}, edited: []string{"web"}},
		{name: "a second replica not the project's", change: func(y string) string {
			return edit(t, webImage(y), "    depends_on: [db]\n", "    depends_on: [db]\n    scale: 2\n")
		}, edited: []string{"web"}, extra: []engine.Container{foreign}, want: []string{"shop-web-1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			base := tc.base
			if base == "" {
				base = shop
			}
			f := newFake(tc.extra...)
			up(t, f, base, UpOptions{})
			if tc.prepare != nil {
				tc.prepare(t, f)
			}
			before := observe(t, f)
			f.ResetCalls()
			p := load(t, tc.change(base))
			e := StopEarly(context.Background(), f, p, graph(t, p), tc.edited, tc.opts)
			got := earlyNames(e)
			if !slices.Equal(got, tc.want) {
				t.Errorf("StopEarly(%v) stopped %v, want %v", tc.edited, got, tc.want)
			}
			if err := e.Restore(context.Background(), f); err != nil {
				t.Fatalf("Restore: %v", err)
			}
			// Nothing took the stops over, so every container runs as before.
			after := observe(t, f)
			for _, c := range before.Containers {
				if now := containerNamed(t, after, c.Name); now.ID != c.ID || now.State != c.State {
					t.Errorf("after Restore %s got %.12s (%s), want %.12s (%s)", c.Name, now.ID, now.State, c.ID, c.State)
				}
			}
			if n := len(stopsOf(f)); n != len(tc.want) {
				t.Errorf("engine got %d stops, want %d", n, len(tc.want))
			}
		})
	}
}

// TestEarlyStopTakenOver applies the plan of an up that stopped web early:
// the recreate uses that stop instead of stopping again, and Restore has
// nothing left to start.
func TestEarlyStopTakenOver(t *testing.T) {
	f, changed, old := recreateWeb(t)
	before := len(observe(t, f).Containers)
	f.ResetCalls()
	opts := UpOptions{}
	p := load(t, changed)
	opts.Early = StopEarly(context.Background(), f, p, graph(t, p), []string{"web"}, opts)
	if got := earlyNames(opts.Early); !slices.Equal(got, []string{"shop-web-1"}) {
		t.Fatalf("StopEarly stopped %v, want [shop-web-1]", got)
	}
	plan := planUp(t, p, observe(t, f), opts)
	if err := Apply(context.Background(), plan, f, ApplyOptions{}); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if err := opts.Early.Restore(context.Background(), f); err != nil {
		t.Fatalf("Restore: %v", err)
	}
	if got := stopsOf(f); !slices.Equal(got, []string{old.ID}) {
		t.Errorf("engine got stops %v, want one of %s", got, old.ID)
	}
	for _, c := range f.Calls() {
		if c.Method == "StartContainer" && c.Args[0] == old.ID {
			t.Errorf("the old container was started again after its recreate")
		}
	}
	wantReplaced(t, f, old, before, "recreate taking over the early stop")
}

// TestEarlyStopRestoredAfterFailure stops web early, then fails the start
// of db, which someone had stopped and which web depends on: web's
// recreate, which waits for db, never runs, so Restore must start web's
// old container again. db stays as it was, stopped.
func TestEarlyStopRestoredAfterFailure(t *testing.T) {
	f := newFake()
	up(t, f, shop, UpOptions{})
	db := containerNamed(t, observe(t, f), "shop-db-1")
	if err := f.StopContainer(context.Background(), db.ID, nil); err != nil {
		t.Fatal(err)
	}
	before := observe(t, f)
	web := containerNamed(t, before, "shop-web-1")
	boom := errors.New("boom")
	f.Hooks.StartContainer = func(_ context.Context, id string) error {
		if id == db.ID {
			return boom
		}
		return nil
	}
	f.ResetCalls()
	opts := UpOptions{}
	p := load(t, edit(t, shop, "example/api:1.4", "example/api:1.5"))
	opts.Early = StopEarly(context.Background(), f, p, graph(t, p), []string{"web"}, opts)
	if got := earlyNames(opts.Early); !slices.Equal(got, []string{"shop-web-1"}) {
		t.Fatalf("StopEarly stopped %v, want [shop-web-1]", got)
	}
	plan := planUp(t, p, observe(t, f), opts)
	err := Apply(context.Background(), plan, f, ApplyOptions{})
	if !errors.Is(err, boom) {
		t.Fatalf("Apply got %v, want db's start failure", err)
	}
	if err := opts.Early.Restore(context.Background(), f); err != nil {
		t.Fatalf("Restore: %v", err)
	}
	if err := opts.Early.Restore(context.Background(), f); err != nil {
		t.Fatalf("second Restore: %v", err)
	}
	after := observe(t, f)
	for _, c := range before.Containers {
		if now := containerNamed(t, after, c.Name); now.ID != c.ID || now.State != c.State {
			t.Errorf("after the failed up %s got %.12s (%s), want %.12s (%s)", c.Name, now.ID, now.State, c.ID, c.State)
		}
	}
	starts := 0
	for _, c := range f.Calls() {
		if c.Method == "StartContainer" && c.Args[0] == web.ID {
			starts++
		}
	}
	if starts != 1 {
		t.Errorf("web's old container got %d starts, want 1 (by Restore)", starts)
	}
}
