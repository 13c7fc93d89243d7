package main

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/fake"
)

func newFloorFake() *fake.Engine {
	return fake.New().WithImage(engine.Image{ID: "sha256:1", Tags: []string{"img:1"}}).Build()
}

func TestFloorCycle(t *testing.T) {
	ctx := context.Background()
	s := stack{Project: "fl", Image: "img:1", Size: 7}
	eng := newFloorFake()
	f := floor{Engine: eng, Parallel: 2}

	st, err := f.up(ctx, s)
	if err != nil {
		t.Fatalf("up: %v", err)
	}
	cs, _ := eng.Containers(ctx, s.Project)
	if len(cs) != s.Size {
		t.Fatalf("up created %d containers, want %d", len(cs), s.Size)
	}
	for _, c := range cs {
		if c.State != "running" {
			t.Errorf("up left %s %s, want running", c.Name, c.State)
		}
	}
	nets, _ := eng.Networks(ctx, s.Project)
	vols, _ := eng.Volumes(ctx, s.Project)
	if len(nets) != 2 || len(vols) != 1 {
		t.Errorf("up created %d networks and %d volumes, want 2 and 1", len(nets), len(vols))
	}

	// Every container is created after the one it depends on was started.
	calls := eng.Calls()
	at := func(method, arg string) int {
		return slices.IndexFunc(calls, func(c fake.Call) bool { return c.Method == method && slices.Contains(c.Args, arg) })
	}
	for i := 1; i < s.Size; i++ {
		started := at("StartContainer", st.IDs[parent(i)])
		created := at("CreateContainer", s.containerName(i))
		if started < 0 || created < started {
			t.Errorf("up created %s at call %d, before its dependency was started (call %d)", s.containerName(i), created, started)
		}
	}

	s.Gen = 1
	leaf := s.leaf()
	newID, err := f.recreate(ctx, s, leaf, st.IDs[leaf])
	if err != nil {
		t.Fatalf("recreate: %v", err)
	}
	if newID == st.IDs[leaf] {
		t.Errorf("recreate kept ID %s, want a new container", newID)
	}
	spec, err := eng.Spec(newID)
	if err != nil {
		t.Fatal(err)
	}
	if got := spec.Service.Environment["BENCH_GEN"]; got == nil || *got != "1" {
		t.Errorf("recreated %s has BENCH_GEN %v, want 1", spec.Name, got)
	}
	st.IDs[leaf] = newID

	if err := f.down(ctx, s, st); err != nil {
		t.Fatalf("down: %v", err)
	}
	cs, _ = eng.Containers(ctx, s.Project)
	nets, _ = eng.Networks(ctx, s.Project)
	vols, _ = eng.Volumes(ctx, s.Project)
	if len(cs) != 0 || len(nets) != 0 || len(vols) != 1 {
		t.Errorf("down left %d containers, %d networks, %d volumes; want 0, 0 and the volume", len(cs), len(nets), len(vols))
	}
}

func TestFloorDownStaleEndpoint(t *testing.T) {
	ctx := context.Background()
	s := stack{Project: "fl", Image: "img:1", Size: 3}
	eng := newFloorFake()
	f := floor{Engine: eng, Parallel: 4}
	st, err := f.up(ctx, s)
	if err != nil {
		t.Fatalf("up: %v", err)
	}
	eng.Hooks.RemoveNetwork = func(context.Context, string) error {
		return fmt.Errorf("network x has active endpoints: %w", engine.ErrActiveEndpoints)
	}
	err = f.down(ctx, s, st)
	if err == nil || !staleEndpoint(err) {
		t.Fatalf("down with a stale endpoint got %v, want an error staleEndpoint recognises", err)
	}
	if cs, _ := eng.Containers(ctx, s.Project); len(cs) != 0 {
		t.Errorf("down left %d containers, want every container removed before the networks", len(cs))
	}
}

func TestStaleEndpoint(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"engine sentinel", fmt.Errorf("remove network: %w", engine.ErrActiveEndpoints), true},
		{"tool stderr", fmt.Errorf("docker-compose down: exit status 1\nERROR: error while removing network: network p_back id 1 has active endpoints"), true},
		{"other failure", fmt.Errorf("berth down: exit status 1\nno such project"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := staleEndpoint(tt.err); got != tt.want {
				t.Errorf("staleEndpoint(%q) got %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}

func TestExcerpt(t *testing.T) {
	long := "panic: boom\ngoroutine 1\na\nb\nc\nd\ne\nf\ng\nlast"
	tests := []struct{ in, want string }{
		{"one line\n", "one line"},
		{long, "panic: boom\ngoroutine 1\n…\nd\ne\nf\ng\nlast"},
	}
	for _, tt := range tests {
		if got := excerpt(tt.in); got != tt.want {
			t.Errorf("excerpt(%q) got %q, want %q", tt.in, got, tt.want)
		}
	}
}
