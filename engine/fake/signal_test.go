package fake

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/berth-dev/berth/engine"
)

func runningIn(name, project string) engine.Container {
	return engine.Container{Name: name, Image: "app", State: "running", Command: "sleep 300",
		Labels: map[string]string{engine.LabelProject: project}}
}

func TestKillPause(t *testing.T) {
	ctx := context.Background()
	f := New().WithContainer(runningIn("a", "p"), runningIn("b", "p"),
		engine.Container{Name: "c", State: "exited", Labels: map[string]string{engine.LabelProject: "p"}}).Build()
	if err := f.PauseContainer(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if err := f.PauseContainer(ctx, "a"); !errors.Is(err, engine.ErrConflict) {
		t.Errorf("pausing a paused container got %v, want ErrConflict", err)
	}
	if err := f.StartContainer(ctx, "a"); !errors.Is(err, engine.ErrConflict) {
		t.Errorf("starting a paused container got %v, want ErrConflict", err)
	}
	if err := f.UnpauseContainer(ctx, "b"); !errors.Is(err, engine.ErrConflict) {
		t.Errorf("unpausing a running container got %v, want ErrConflict", err)
	}
	// A signal the main process ignores changes nothing; SIGKILL ends even a
	// paused container, and a waiter sees 137.
	if err := f.KillContainer(ctx, "b", "SIGWINCH"); err != nil {
		t.Fatal(err)
	}
	if err := f.KillContainer(ctx, "a", "SIGKILL"); err != nil {
		t.Fatal(err)
	}
	if code, err := f.WaitContainer(ctx, "a"); err != nil || code != 137 {
		t.Errorf("wait after kill got %d, %v, want 137", code, err)
	}
	if err := f.KillContainer(ctx, "b", "TERM"); err != nil {
		t.Fatal(err)
	}
	if err := f.KillContainer(ctx, "c", "KILL"); !errors.Is(err, engine.ErrConflict) {
		t.Errorf("killing an exited container got %v, want ErrConflict", err)
	}
	want := map[string]string{"a": "exited/137", "b": "exited/143", "c": "exited/0"}
	cs, _ := f.Containers(ctx, "p")
	for _, c := range cs {
		if got := fmt.Sprintf("%s/%d", c.State, c.ExitCode); got != want[c.Name] {
			t.Errorf("container %s got %s, want %s", c.Name, got, want[c.Name])
		}
	}
}

func TestTopAndProjectContainers(t *testing.T) {
	ctx := context.Background()
	unlabelled := engine.Container{Name: "loose", State: "running"}
	f := New().WithContainer(runningIn("a", "p"), runningIn("b", "q"), unlabelled,
		engine.Container{Name: "c", State: "exited", Labels: map[string]string{engine.LabelProject: "p"}}).Build()
	procs, err := f.TopContainer(ctx, "a")
	if err != nil || len(procs.Rows) != 1 || procs.Rows[0][len(procs.Titles)-1] != "sleep 300" {
		t.Errorf("TopContainer(a) got %+v, %v, want one process running the command", procs, err)
	}
	if _, err := f.TopContainer(ctx, "c"); !errors.Is(err, engine.ErrConflict) {
		t.Errorf("TopContainer of an exited container got %v, want ErrConflict", err)
	}
	for _, tt := range []struct {
		all  bool
		want string
	}{{false, "a,b"}, {true, "a,b,c"}} {
		cs, err := f.ProjectContainers(ctx, tt.all)
		var got string
		for i, c := range cs {
			if i > 0 {
				got += ","
			}
			got += c.Name
		}
		if err != nil || got != tt.want {
			t.Errorf("ProjectContainers(all=%v) got %q, %v, want %q", tt.all, got, err, tt.want)
		}
	}
}
