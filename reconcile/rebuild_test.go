package reconcile

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// rebuildStack builds worker; sidecar shares its network namespace, and
// watcher restarts when worker is recreated.
const rebuildStack = `
services:
  worker:
    build: ./worker
  sidecar:
    image: busybox
    network_mode: service:worker
  watcher:
    image: busybox
    depends_on:
      worker: {condition: service_started, restart: true}
`

// TestUpBuildKeepsUnchangedContainers: up --build recreates a built
// service, and what follows from it, only when the build gives its image
// another ID, as compose does.
func TestUpBuildKeepsUnchangedContainers(t *testing.T) {
	ctxDir, err := filepath.Abs(filepath.Join("testdata", "shop", "worker"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		edit      bool // the build context changes between the ups
		stopFirst bool // worker is stopped before the second up
		want      map[string]string
	}{
		{name: "unchanged", want: map[string]string{"worker": "kept", "sidecar": "kept", "watcher": "kept"}},
		{name: "context edited", edit: true, want: map[string]string{"worker": "new", "sidecar": "new", "watcher": "restarted"}},
		{name: "unchanged, stopped", stopFirst: true, want: map[string]string{"worker": "kept", "sidecar": "kept", "watcher": "kept"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			f := newFake()
			up(t, f, rebuildStack, UpOptions{Build: true})
			before := observe(t, f)
			if tt.stopFirst {
				if err := f.StopContainer(ctx, containerNamed(t, before, "shop-worker-1").ID, nil); err != nil {
					t.Fatal(err)
				}
				before = observe(t, f)
			}
			if tt.edit {
				f.EditContext(ctxDir)
			}
			plan := planUp(t, load(t, rebuildStack), observe(t, f), UpOptions{Build: true})
			f.ResetCalls()
			if err := Apply(ctx, plan, f, ApplyOptions{}); err != nil {
				t.Fatalf("Apply:\n%v\nplan:\n%s", err, plan)
			}
			after := observe(t, f)
			restarted := map[string]bool{}
			for _, c := range f.Calls() {
				if c.Method == "StopContainer" {
					restarted[c.Args[0]] = true
				}
			}
			for svc, want := range tt.want {
				name := "shop-" + svc + "-1"
				old, now := containerNamed(t, before, name), containerNamed(t, after, name)
				got := "kept"
				switch {
				case old.ID != now.ID:
					got = "new"
				case restarted[old.ID]:
					got = "restarted"
				}
				if got != want {
					t.Errorf("second up --build (%s): %s got %s, want %s; plan:\n%s", tt.name, svc, got, want, plan)
				}
				if now.State != "running" {
					t.Errorf("second up --build (%s): %s is %s, want running", tt.name, svc, now.State)
				}
			}
			// Nothing may be left over, whichever way it went.
			if len(after.Containers) != len(before.Containers) {
				t.Errorf("second up --build (%s): got containers %v, want %d", tt.name, containerNames(after.Containers), len(before.Containers))
			}
		})
	}
}

// TestUpBuildKeptProgress: a kept container reports "Running", never
// "Recreating".
func TestUpBuildKeptProgress(t *testing.T) {
	f := newFake()
	up(t, f, rebuildStack, UpOptions{Build: true})
	plan := planUp(t, load(t, rebuildStack), observe(t, f), UpOptions{Build: true})
	var mu sync.Mutex
	texts := map[string][]string{}
	progress := func(e Event) {
		mu.Lock()
		defer mu.Unlock()
		texts[e.Target.Name] = append(texts[e.Target.Name], e.Text)
	}
	if err := Apply(context.Background(), plan, f, ApplyOptions{Progress: progress}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"shop-worker-1", "shop-sidecar-1", "shop-watcher-1"} {
		if got := strings.Join(texts[name], ","); got != "Running" {
			t.Errorf("second up --build: %s reported %q, want Running only", name, got)
		}
	}
}

// A built service on a network that is recreated is replaced whatever its
// build gives: the network recreate takes the container off the network
// anyway, and a kept container would need a reconnect that hangs on the
// build's result.
func TestUpBuildOnRecreatedNetwork(t *testing.T) {
	const before = `
services:
  worker:
    build: ./worker
    networks: [back]
networks:
  back:
    labels: {tier: one}
`
	after := strings.Replace(before, "tier: one", "tier: two", 1)
	ctx := context.Background()
	f := newFake()
	up(t, f, before, UpOptions{Build: true})
	old := containerNamed(t, observe(t, f), "shop-worker-1")
	plan := planUp(t, load(t, after), observe(t, f), UpOptions{Build: true})
	if err := Apply(ctx, plan, f, ApplyOptions{}); err != nil {
		t.Fatalf("Apply:\n%v\nplan:\n%s", err, plan)
	}
	now := containerNamed(t, observe(t, f), "shop-worker-1")
	if now.ID == old.ID {
		t.Errorf("worker kept its container across a network recreate; plan:\n%s", plan)
	}
	if now.State != "running" {
		t.Errorf("worker is %s, want running; plan:\n%s", now.State, plan)
	}
	if _, ok := now.Networks["shop_back"]; !ok {
		t.Errorf("worker's networks %v, want shop_back; plan:\n%s", now.Networks, plan)
	}
}
