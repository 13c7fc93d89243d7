package main

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/fake"
)

// gcStacks seeds the fake with one stack per gc decision, and a container
// without labels, relative to the harness's clock.
func gcStacks(h *harness) {
	past := h.now.Add(-time.Minute).Format(time.RFC3339)
	future := h.now.Add(time.Hour).Format(time.RFC3339)
	old := h.now.Add(-48 * time.Hour)
	ctr := func(project string, created time.Time, kv ...string) engine.Container {
		l := map[string]string{engine.LabelProject: project, engine.LabelService: "web", engine.LabelNumber: "1", engine.LabelOneoff: "False"}
		for i := 0; i+1 < len(kv); i += 2 {
			l[kv[i]] = kv[i+1]
		}
		return engine.Container{Name: project + "-web-1", Image: "app:latest", State: "running", Created: created, Labels: l}
	}
	h.f = fake.New().WithImage(engine.Image{Tags: []string{"app:latest"}}).WithContainer(
		ctr("expired", h.now, engine.LabelTTLUntil, past),
		ctr("pending", old, engine.LabelTTLUntil, future),
		ctr("leased", old, engine.LabelTTLUntil, past, engine.LabelLeaseOwner, "ci/1/aa"),
		engine.Container{Name: "leased-berth-reaper", Image: "app:latest", State: "running",
			Labels: map[string]string{engine.LabelLease: "leased", engine.LabelLeaseOwner: "ci/1/aa"}},
		ctr("orphaned", h.now, engine.LabelLeaseOwner, "ci/2/bb"),
		ctr("plain-old", old),
		ctr("plain-new", h.now),
		engine.Container{Name: "dead-berth-reaper", Image: "app:latest", State: "created", Created: old,
			Labels: map[string]string{engine.LabelLease: "dead"}},
		engine.Container{Name: "loose", Image: "app:latest", State: "running", Created: old,
			Labels: map[string]string{engine.LabelTTLUntil: past}},
	).WithVolume(
		engine.Volume{Name: "expired_data", Labels: map[string]string{engine.LabelProject: "expired", engine.LabelVolume: "data"}},
		engine.Volume{Name: "kept_data", Labels: map[string]string{engine.LabelProject: "kept", engine.LabelVolume: "data"}},
	).Build()
}

func (h *harness) allContainers() []string {
	h.t.Helper()
	var names []string
	for _, project := range []string{"expired", "pending", "leased", "orphaned", "plain-old", "plain-new"} {
		cs, err := h.f.Containers(context.Background(), project)
		if err != nil {
			h.t.Fatal(err)
		}
		for _, c := range cs {
			names = append(names, c.Name)
		}
	}
	slices.Sort(names)
	return names
}

func TestGc(t *testing.T) {
	tests := []struct {
		args        []string
		wantRemoved []string // stacks, sorted
	}{
		{args: []string{"gc"}, wantRemoved: []string{"expired", "orphaned"}},
		{args: []string{"gc", "--older-than", "24h"}, wantRemoved: []string{"expired", "orphaned", "plain-old"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			h := newHarness(t, shopCompose)
			gcStacks(h)

			dry := append(slices.Clone(tt.args), "--dry-run")
			stdout, _ := h.mustRun(0, dry...)
			if m := h.f.Mutations(); len(m) != 0 {
				t.Errorf("berth %v changed %v, want nothing", dry, m)
			}
			if !strings.Contains(stdout, "Would remove stale lease container dead-berth-reaper") {
				t.Errorf("berth %v printed\n%s\nwant it to name the stale lease container", dry, stdout)
			}
			for _, name := range tt.wantRemoved {
				if !strings.Contains(stdout, "Would remove stack "+name+":") {
					t.Errorf("berth %v printed\n%s\nwant it to name stack %s", dry, stdout, name)
				}
			}
			if n := strings.Count(stdout, "Would remove stack"); n != len(tt.wantRemoved) {
				t.Errorf("berth %v would remove %d stacks, want %d:\n%s", dry, n, len(tt.wantRemoved), stdout)
			}

			stdout, _ = h.mustRun(0, tt.args...)
			for _, name := range tt.wantRemoved {
				if !strings.Contains(stdout, "Removing stack "+name+":") {
					t.Errorf("berth %v printed\n%s\nwant it to name stack %s", tt.args, stdout, name)
				}
			}
			var want []string
			for _, p := range []string{"expired", "leased", "orphaned", "pending", "plain-new", "plain-old"} {
				if !slices.Contains(tt.wantRemoved, p) {
					want = append(want, p+"-web-1")
				}
			}
			if got := h.allContainers(); !slices.Equal(got, want) {
				t.Errorf("after berth %v containers got %v, want %v", tt.args, got, want)
			}
			for _, name := range []string{"loose", "leased-berth-reaper"} {
				if _, err := h.f.InspectContainer(context.Background(), name); err != nil {
					t.Errorf("after berth %v: %s: %v, want it kept", tt.args, name, err)
				}
			}
			if _, err := h.f.InspectContainer(context.Background(), "dead-berth-reaper"); err == nil {
				t.Errorf("after berth %v the stale lease container is still there", tt.args)
			}
			if _, err := h.f.InspectVolume(context.Background(), "expired_data"); err == nil {
				t.Errorf("after berth %v the expired stack's volume is still there", tt.args)
			}
			if _, err := h.f.InspectVolume(context.Background(), "kept_data"); err != nil {
				t.Errorf("after berth %v the volume without TTL is gone: %v", tt.args, err)
			}
		})
	}
}

func TestGcRejects(t *testing.T) {
	h := newHarness(t, shopCompose)
	if _, stderr := h.mustRun(1, "gc", "--older-than", "-1h"); !strings.Contains(stderr, "--older-than") {
		t.Errorf("gc --older-than -1h printed %q, want it to name the flag", stderr)
	}
}

func TestUpTTL(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string // the TTL label, "" for none
	}{
		{name: "flag", args: []string{"up", "-d", "--ttl", "2h"}, want: "2026-01-01T02:10:00Z"},
		{name: "rounded up", args: []string{"up", "-d", "--ttl", "1500ms"}, want: "2026-01-01T00:10:02Z"},
		{name: "env", env: map[string]string{"BERTH_TTL": "30m"}, args: []string{"up", "-d"}, want: "2026-01-01T00:40:00Z"},
		{name: "flag beats env", env: map[string]string{"BERTH_TTL": "30m"}, args: []string{"up", "-d", "--ttl", "1h"}, want: "2026-01-01T01:10:00Z"},
		{name: "none", args: []string{"up", "-d"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, shopCompose)
			for k, v := range tt.env {
				h.env[k] = v
			}
			h.mustRun(0, tt.args...)
			ctx := context.Background()
			cs, _ := h.f.Containers(ctx, "shop")
			ns, _ := h.f.Networks(ctx, "shop")
			vs, _ := h.f.Volumes(ctx, "shop")
			if len(cs) != 2 || len(ns) != 1 || len(vs) != 1 {
				t.Fatalf("up made %d containers, %d networks, %d volumes; want 2, 1, 1", len(cs), len(ns), len(vs))
			}
			labels := []map[string]string{cs[0].Labels, cs[1].Labels, ns[0].Labels, vs[0].Labels}
			for i, l := range labels {
				if got := l[engine.LabelTTLUntil]; got != tt.want {
					t.Errorf("resource %d: %s got %q, want %q", i, engine.LabelTTLUntil, got, tt.want)
				}
			}
		})
	}
}

func TestUpLifeFlagsRejected(t *testing.T) {
	tests := []struct {
		env  map[string]string
		args []string
		want string
	}{
		{args: []string{"up", "--ttl", "-1h"}, want: "--ttl"},
		{env: map[string]string{"BERTH_TTL": "tomorrow"}, args: []string{"up", "-d"}, want: "BERTH_TTL"},
	}
	for _, tt := range tests {
		h := newHarness(t, shopCompose)
		for k, v := range tt.env {
			h.env[k] = v
		}
		if _, stderr := h.mustRun(1, tt.args...); !strings.Contains(stderr, tt.want) {
			t.Errorf("berth %v (env %v) printed %q, want it to name %s", tt.args, tt.env, stderr, tt.want)
		}
		if m := h.f.Mutations(); len(m) != 0 {
			t.Errorf("berth %v changed %v, want nothing", tt.args, m)
		}
	}
}

// TestDownEndsLease checks that down removes the project's lease container
// (a holder left by up -d --reap then exits) and no other project's.
func TestDownEndsLease(t *testing.T) {
	h := newHarness(t, shopCompose)
	lease := func(project string) engine.Container {
		return engine.Container{Name: project + "-berth-reaper", Image: "app:latest", State: "running",
			Labels: map[string]string{engine.LabelLease: project}}
	}
	h.f = fake.New().WithImage(engine.Image{Tags: []string{"app:latest"}}).WithContainer(lease("shop"), lease("other")).Build()
	h.mustRun(0, "up", "-d")
	h.mustRun(0, "--dry-run", "down")
	if _, err := h.f.InspectContainer(context.Background(), "shop-berth-reaper"); err != nil {
		t.Errorf("down --dry-run removed the lease: %v", err)
	}
	h.mustRun(0, "down")
	if _, err := h.f.InspectContainer(context.Background(), "shop-berth-reaper"); err == nil {
		t.Error("down left the project's lease container")
	}
	if _, err := h.f.InspectContainer(context.Background(), "other-berth-reaper"); err != nil {
		t.Errorf("down removed another project's lease: %v", err)
	}
}
