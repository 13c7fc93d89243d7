package enginetest

import (
	"context"
	"testing"
	"time"

	"github.com/berth-dev/berth/engine"
)

func testProjectNetworksAndVolumes(t *testing.T, e *env) {
	e.network(e.project, "default")
	vol := e.volume(e.other, "data")
	ns, err := e.eng.ProjectNetworks(e.ctx)
	if err != nil {
		t.Fatalf("ProjectNetworks: %v", err)
	}
	vs, err := e.eng.ProjectVolumes(e.ctx)
	if err != nil {
		t.Fatalf("ProjectVolumes: %v", err)
	}
	found := false
	for _, n := range ns {
		if _, ok := n.Labels[engine.LabelProject]; !ok {
			t.Errorf("ProjectNetworks listed %s, which has no project label", n.Name)
		}
		found = found || n.Name == e.project+"_default"
	}
	if !found {
		t.Errorf("ProjectNetworks did not list %s_default", e.project)
	}
	found = false
	for _, v := range vs {
		if _, ok := v.Labels[engine.LabelProject]; !ok {
			t.Errorf("ProjectVolumes listed %s, which has no project label", v.Name)
		}
		found = found || (v.Name == vol && v.Labels[engine.LabelProject] == e.other)
	}
	if !found {
		t.Errorf("ProjectVolumes did not list %s with its label", vol)
	}
}

// testWatcher starts a watcher that exits at the end of its input: closing
// the connection must end it, and the engine then removes it.
func testWatcher(t *testing.T, e *env) {
	name := e.project + "-berth-reaper"
	conn, err := e.eng.StartWatcher(e.ctx, engine.WatcherSpec{
		Name:    name,
		Image:   e.image,
		Command: []string{"cat", "/dev/stdin"},
		Labels:  map[string]string{engine.LabelLease: e.project, engine.LabelLeaseOwner: "test/1/00"},
	})
	if err != nil {
		t.Fatalf("StartWatcher: %v", err)
	}
	t.Cleanup(func() {
		_ = conn.Close()
		_ = e.eng.RemoveContainer(context.WithoutCancel(e.ctx), name, engine.RemoveOptions{Force: true})
	})
	lease := func() (engine.Container, bool) {
		t.Helper()
		leases, err := e.eng.LeaseContainers(e.ctx)
		if err != nil {
			t.Fatalf("LeaseContainers: %v", err)
		}
		for _, l := range leases {
			if l.Name == name {
				return l, true
			}
		}
		return engine.Container{}, false
	}
	l, ok := lease()
	if !ok || l.State != "running" || l.Labels[engine.LabelLeaseOwner] != "test/1/00" {
		t.Fatalf("after StartWatcher LeaseContainers got %+v (found %t), want %s running with its labels", l, ok, name)
	}
	if cs, _ := e.eng.Containers(e.ctx, e.project); len(cs) != 0 {
		t.Errorf("the watcher is listed among the project's containers: %v", names(cs))
	}
	if err := conn.Close(); err != nil {
		t.Fatalf("close the watcher's connection: %v", err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, ok := lease(); !ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("watcher %s still there 20s after its connection closed", name)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
