package enginetest

import (
	"context"
	"testing"
	"time"

	"github.com/berth-dev/berth/engine"
)

func testCreateAndList(t *testing.T, e *env) {
	spec := e.spec(e.project, "web")
	id := e.create(spec)
	otherID := e.create(e.spec(e.other, "web"))

	for _, tc := range []struct {
		project        string
		wantID, wantNm string
	}{
		{e.project, id, spec.Name},
		{e.other, otherID, e.other + "-web-1"},
	} {
		got, err := e.eng.Containers(e.ctx, tc.project)
		if err != nil {
			t.Fatalf("Containers(%s): %v", tc.project, err)
		}
		if len(got) != 1 {
			t.Fatalf("Containers(%s) got %d containers %v, want only %s", tc.project, len(got), names(got), tc.wantNm)
		}
		c := got[0]
		if c.ID != tc.wantID || c.Name != tc.wantNm {
			t.Errorf("Containers(%s) got %s (%s), want %s (%s)", tc.project, c.Name, c.ID, tc.wantNm, tc.wantID)
		}
		if c.Labels[engine.LabelProject] != tc.project || c.Labels[engine.LabelService] != "web" {
			t.Errorf("Containers(%s)[0].Labels got %v, want project %s and service web", tc.project, c.Labels, tc.project)
		}
		if c.State != "created" {
			t.Errorf("Containers(%s)[0].State got %q, want %q", tc.project, c.State, "created")
		}
		if c.Image != e.image {
			t.Errorf("Containers(%s)[0].Image got %q, want %q", tc.project, c.Image, e.image)
		}
		if c.ImageID == "" {
			t.Errorf("Containers(%s)[0].ImageID is empty", tc.project)
		}
	}
}

func names(cs []engine.Container) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Name)
	}
	return out
}

func testDuplicateContainerName(t *testing.T, e *env) {
	spec := e.spec(e.project, "web")
	e.create(spec)
	_, err := e.eng.CreateContainer(e.ctx, spec)
	wantErr(t, "CreateContainer(duplicate "+spec.Name+")", err, engine.ErrConflict)
}

func testStartStopInspect(t *testing.T, e *env) {
	id := e.create(e.spec(e.project, "web"))
	wantState := func(step, want string) {
		t.Helper()
		if got := e.inspect(id); got.State != want {
			t.Errorf("after %s: InspectContainer(%s).State got %q, want %q", step, id, got.State, want)
		}
	}
	wantState("create", "created")
	e.start(id)
	wantState("start", "running")
	e.stop(id)
	wantState("stop", "exited")
	e.start(id)
	wantState("second start", "running")

	got, err := e.eng.Containers(e.ctx, e.project)
	if err != nil {
		t.Fatalf("Containers(%s): %v", e.project, err)
	}
	if len(got) != 1 || got[0].State != "running" {
		t.Errorf("Containers(%s) got %v, want one running container", e.project, got)
	}
}

func testInspectByNameAndIDPrefix(t *testing.T, e *env) {
	spec := e.spec(e.project, "web")
	id := e.create(spec)
	for _, ref := range []string{id, spec.Name, id[:12]} {
		got := e.inspect(ref)
		if got.ID != id || got.Name != spec.Name {
			t.Errorf("InspectContainer(%s) got %s (%s), want %s (%s)", ref, got.Name, got.ID, spec.Name, id)
		}
	}
}

func testRemoveRunning(t *testing.T, e *env) {
	id := e.create(e.spec(e.project, "web"))
	e.start(id)
	err := e.eng.RemoveContainer(e.ctx, id, engine.RemoveOptions{})
	wantErr(t, "RemoveContainer(running, no force)", err, engine.ErrConflict)
	if got := e.inspect(id); got.State != "running" {
		t.Errorf("after a refused remove: State got %q, want %q", got.State, "running")
	}
	if err := e.eng.RemoveContainer(e.ctx, id, engine.RemoveOptions{Force: true}); err != nil {
		t.Fatalf("RemoveContainer(running, force): %v", err)
	}
	_, err = e.eng.InspectContainer(e.ctx, id)
	wantErr(t, "InspectContainer(removed)", err, engine.ErrNotFound)
	got, err := e.eng.Containers(e.ctx, e.project)
	if err != nil {
		t.Fatalf("Containers(%s): %v", e.project, err)
	}
	if len(got) != 0 {
		t.Errorf("Containers(%s) after remove got %v, want none", e.project, names(got))
	}
}

func testRename(t *testing.T, e *env) {
	spec := e.spec(e.project, "web")
	id := e.create(spec)
	newName := e.project + "-web-2"
	if err := e.eng.RenameContainer(e.ctx, id, newName); err != nil {
		t.Fatalf("RenameContainer(%s, %s): %v", id, newName, err)
	}
	if got := e.inspect(newName); got.ID != id || got.Name != newName {
		t.Errorf("InspectContainer(%s) got %s (%s), want %s (%s)", newName, got.Name, got.ID, newName, id)
	}
	_, err := e.eng.InspectContainer(e.ctx, spec.Name)
	wantErr(t, "InspectContainer(old name "+spec.Name+")", err, engine.ErrNotFound)

	other := e.create(e.spec(e.project, "db"))
	err = e.eng.RenameContainer(e.ctx, other, newName)
	wantErr(t, "RenameContainer(to the taken "+newName+")", err, engine.ErrConflict)
}

func testWaitExitCode(t *testing.T, e *env) {
	id := e.create(e.spec(e.project, "job", "exit", "3"))
	e.start(id)
	ctx, cancel := context.WithTimeout(e.ctx, 20*time.Second)
	defer cancel()
	code, err := e.eng.WaitContainer(ctx, id)
	if err != nil {
		t.Fatalf("WaitContainer(%s): %v", id, err)
	}
	if code != 3 {
		t.Errorf("WaitContainer(exit 3) got %d, want 3", code)
	}
	got := e.inspect(id)
	if got.State != "exited" || got.ExitCode != 3 {
		t.Errorf("InspectContainer(exit 3) got state %q code %d, want %q code 3", got.State, got.ExitCode, "exited")
	}
}
