package gc

import (
	"context"
	"testing"
	"time"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/fake"
)

var now = time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)

func labels(project string, kv ...string) map[string]string {
	l := map[string]string{engine.LabelProject: project}
	for i := 0; i+1 < len(kv); i += 2 {
		l[kv[i]] = kv[i+1]
	}
	return l
}

func ctr(name, project string, created time.Time, kv ...string) engine.Container {
	return engine.Container{Name: name, State: "running", Created: created, Labels: labels(project, kv...)}
}

func lease(project, state string) engine.Container {
	return engine.Container{Name: project + "-berth-reaper", State: state,
		Labels: map[string]string{engine.LabelLease: project, engine.LabelLeaseOwner: "ci/42/ab"}}
}

func TestDecide(t *testing.T) {
	past := now.Add(-time.Minute).Format(time.RFC3339)
	future := now.Add(time.Hour).Format(time.RFC3339)
	old := now.Add(-3 * time.Hour)
	tests := []struct {
		name      string
		cs        []engine.Container
		vs        []engine.Volume
		leases    []engine.Container
		olderThan time.Duration
		want      map[string]string // stack -> code
	}{
		{name: "expired TTL", cs: []engine.Container{ctr("a-web-1", "a", now, engine.LabelTTLUntil, past)},
			want: map[string]string{"a": RemoveTTL}},
		{name: "pending TTL", cs: []engine.Container{ctr("a-web-1", "a", old, engine.LabelTTLUntil, future)},
			olderThan: time.Hour, want: map[string]string{"a": KeepTTL}},
		{name: "latest TTL counts", cs: []engine.Container{
			ctr("a-web-1", "a", now, engine.LabelTTLUntil, past),
			ctr("a-db-1", "a", now, engine.LabelTTLUntil, future)},
			want: map[string]string{"a": KeepTTL}},
		{name: "live lease beats expired TTL", cs: []engine.Container{ctr("a-web-1", "a", old, engine.LabelTTLUntil, past, engine.LabelLeaseOwner, "ci/42/ab")},
			leases: []engine.Container{lease("a", "running")}, olderThan: time.Minute,
			want: map[string]string{"a": KeepLeased}},
		{name: "owner gone", cs: []engine.Container{ctr("a-web-1", "a", now, engine.LabelLeaseOwner, "ci/42/ab")},
			leases: []engine.Container{lease("a", "exited")},
			want:   map[string]string{"a": RemoveLease}},
		{name: "another project's lease", cs: []engine.Container{ctr("a-web-1", "a", now, engine.LabelLeaseOwner, "ci/42/ab")},
			leases: []engine.Container{lease("b", "running")},
			want:   map[string]string{"a": RemoveLease}},
		{name: "no labels kept", cs: []engine.Container{ctr("a-web-1", "a", old)},
			want: map[string]string{"a": KeepUnmanaged}},
		{name: "older than", cs: []engine.Container{ctr("a-web-1", "a", old), ctr("b-web-1", "b", now.Add(-time.Minute))},
			olderThan: time.Hour, want: map[string]string{"a": RemoveOlder, "b": KeepNotOldYet}},
		{name: "newest container gives the age", cs: []engine.Container{ctr("a-web-1", "a", old), ctr("a-db-1", "a", now)},
			olderThan: time.Hour, want: map[string]string{"a": KeepNotOldYet}},
		{name: "kept volumes have no age", vs: []engine.Volume{{Name: "a_data", Labels: labels("a")}},
			olderThan: time.Nanosecond, want: map[string]string{"a": KeepNoAge}},
		{name: "volume with expired TTL", vs: []engine.Volume{{Name: "a_data", Labels: labels("a", engine.LabelTTLUntil, past)}},
			want: map[string]string{"a": RemoveTTL}},
		{name: "bad TTL ignored", cs: []engine.Container{ctr("a-web-1", "a", now, engine.LabelTTLUntil, "soon")},
			want: map[string]string{"a": KeepUnmanaged}},
		{name: "unlabelled resources are no stack", cs: []engine.Container{{Name: "loose", State: "running", Created: old,
			Labels: map[string]string{engine.LabelTTLUntil: past}}},
			olderThan: time.Nanosecond, want: map[string]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ds := Decide(Stacks(tt.cs, nil, tt.vs, tt.leases), Options{Now: now, OlderThan: tt.olderThan})
			got := map[string]string{}
			for _, d := range ds {
				got[d.Stack.Name] = d.Code
				if remove := d.Code == RemoveTTL || d.Code == RemoveLease || d.Code == RemoveOlder; remove != d.Remove {
					t.Errorf("stack %s: code %s but Remove=%t", d.Stack.Name, d.Code, d.Remove)
				}
				if d.Detail == "" {
					t.Errorf("stack %s: no detail", d.Stack.Name)
				}
			}
			if len(got) != len(tt.want) {
				t.Fatalf("Decide got %v, want %v", got, tt.want)
			}
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("Decide: stack %s got %s, want %s", k, got[k], v)
				}
			}
		})
	}
}

// TestRemove removes one project's every resource, one-offs and volumes
// included, and nothing of another project.
func TestRemove(t *testing.T) {
	f := fake.New().WithImage(engine.Image{Tags: []string{"img"}}).
		WithContainer(
			engine.Container{Name: "a-web-1", Image: "img", State: "running", Labels: labels("a", engine.LabelService, "web", engine.LabelNumber, "1", engine.LabelOneoff, "False")},
			engine.Container{Name: "a-web-run-1", Image: "img", State: "exited", Labels: labels("a", engine.LabelService, "web", engine.LabelNumber, "1", engine.LabelOneoff, "True")},
			engine.Container{Name: "b-web-1", Image: "img", State: "running", Labels: labels("b", engine.LabelService, "web", engine.LabelNumber, "1", engine.LabelOneoff, "False")},
		).
		WithNetwork(engine.Network{Name: "a_default", Labels: labels("a", engine.LabelNetwork, "default")}).
		WithVolume(engine.Volume{Name: "a_data", Labels: labels("a", engine.LabelVolume, "data")},
			engine.Volume{Name: "b_data", Labels: labels("b", engine.LabelVolume, "data")}).
		Build()
	ctx := context.Background()
	if err := Remove(ctx, f, "a"); err != nil {
		t.Fatalf("Remove(a): %v", err)
	}
	cs, _ := f.ProjectContainers(ctx, true)
	ns, _ := f.ProjectNetworks(ctx)
	vs, _ := f.ProjectVolumes(ctx)
	stacks := Stacks(cs, ns, vs, nil)
	if len(stacks) != 1 || stacks[0].Name != "b" || len(stacks[0].Containers) != 1 || len(stacks[0].Volumes) != 1 {
		t.Errorf("after Remove(a) got stacks %+v, want only b's container and volume", stacks)
	}
}
