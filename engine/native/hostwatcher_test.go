package native

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/engine"
)

func TestHostWatcher(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(root+"/containers", 0o755); err != nil {
		t.Fatal(err)
	}
	e := &Engine{root: root}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	lease := func(name, script string) engine.WatcherConn {
		t.Helper()
		conn, err := e.StartHostWatcher(ctx, engine.WatcherSpec{Name: name, Labels: map[string]string{engine.LabelLease: name},
			Command: []string{"/bin/sh", "-c", script}, Ready: "ready"})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = e.RemoveContainer(context.Background(), name, engine.RemoveOptions{Force: true}) })
		return conn
	}
	state := func(name string) string {
		t.Helper()
		leases, err := e.LeaseContainers(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range leases {
			if l.Name == name {
				return l.State
			}
		}
		return ""
	}

	// Closing the connection ends its input: it exits with its code.
	a := lease("a", `echo ready; cat >/dev/null; exit 3`)
	if got := state("a"); got != "running" {
		t.Errorf("lease a is %q, want running", got)
	}
	if _, err := e.StartHostWatcher(ctx, engine.WatcherSpec{Name: "a", Command: []string{"/bin/true"}}); !errors.Is(err, engine.ErrConflict) {
		t.Errorf("a second watcher named a: %v, want a conflict", err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if code, err := e.WaitContainer(ctx, "a"); err != nil || code != 3 {
		t.Errorf("WaitContainer(a) = %d, %v; want 3", code, err)
	}
	if got := state("a"); got != "" {
		t.Errorf("after its wait lease a is still listed (%s)", got)
	}

	// Removing it kills it before it acts; its holder sees it go.
	b := lease("b", `echo ready; cat >/dev/null; echo acted`)
	if err := e.RemoveContainer(ctx, "b", engine.RemoveOptions{}); !errors.Is(err, engine.ErrConflict) {
		t.Errorf("removing running b without force: %v, want a conflict", err)
	}
	if err := e.RemoveContainer(ctx, "b", engine.RemoveOptions{Force: true}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-b.Done():
	case <-ctx.Done():
		t.Fatal("b's connection is not done after its removal")
	}
	if got := state("b"); got != "" {
		t.Errorf("after its removal b is listed (%s)", got)
	}

	// One that exits before it is ready fails with its output.
	_, err := e.StartHostWatcher(ctx, engine.WatcherSpec{Name: "c", Command: []string{"/bin/sh", "-c", "echo no engine; exit 1"}, Ready: "ready"})
	if err == nil || !strings.Contains(err.Error(), "no engine") {
		t.Errorf("a watcher that fails: %v, want its output", err)
	}
	if got := state("c"); got != "" {
		t.Errorf("a watcher that failed to start is listed (%s)", got)
	}
}
