package enginetest

import (
	"slices"
	"testing"

	"github.com/berth-dev/berth/engine"
)

func testPauseUnpauseKill(t *testing.T, e *env) {
	id := e.create(e.spec(e.project, "web"))
	wantErr(t, "KillContainer(created)", e.eng.KillContainer(e.ctx, id, "SIGKILL"), engine.ErrConflict)
	e.start(id)
	if err := e.eng.PauseContainer(e.ctx, id); err != nil {
		t.Fatalf("PauseContainer(%s): %v", id, err)
	}
	if got := e.inspect(id).State; got != "paused" {
		t.Errorf("after PauseContainer got state %q, want paused", got)
	}
	wantErr(t, "PauseContainer(paused)", e.eng.PauseContainer(e.ctx, id), engine.ErrConflict)
	if err := e.eng.UnpauseContainer(e.ctx, id); err != nil {
		t.Fatalf("UnpauseContainer(%s): %v", id, err)
	}
	if got := e.inspect(id).State; got != "running" {
		t.Errorf("after UnpauseContainer got state %q, want running", got)
	}
	// Daemons differ on the kind (20.10 answers 500), so only an error is
	// the contract.
	if err := e.eng.UnpauseContainer(e.ctx, id); err == nil {
		t.Error("UnpauseContainer(running) succeeded, want an error")
	}
	if err := e.eng.KillContainer(e.ctx, id, "SIGKILL"); err != nil {
		t.Fatalf("KillContainer(%s, SIGKILL): %v", id, err)
	}
	code, err := e.eng.WaitContainer(e.ctx, id)
	if err != nil || code != 137 {
		t.Errorf("WaitContainer after SIGKILL got %d, %v, want 137", code, err)
	}
	wantErr(t, "KillContainer(exited)", e.eng.KillContainer(e.ctx, id, "SIGKILL"), engine.ErrConflict)
}

func testTop(t *testing.T, e *env) {
	id := e.create(e.spec(e.project, "web"))
	_, err := e.eng.TopContainer(e.ctx, id)
	wantErr(t, "TopContainer(created)", err, engine.ErrConflict)
	e.start(id)
	procs, err := e.eng.TopContainer(e.ctx, id)
	if err != nil {
		t.Fatalf("TopContainer(%s): %v", id, err)
	}
	if !slices.Contains(procs.Titles, "PID") || !slices.Contains(procs.Titles, "CMD") || len(procs.Rows) == 0 {
		t.Errorf("TopContainer got %+v, want PID and CMD columns and a process", procs)
	}
	for _, row := range procs.Rows {
		if len(row) != len(procs.Titles) {
			t.Errorf("TopContainer row %q has %d cells for %d titles", row, len(row), len(procs.Titles))
		}
	}
}

func testProjectContainers(t *testing.T, e *env) {
	up := e.create(e.spec(e.project, "web"))
	e.start(up)
	down := e.create(e.spec(e.other, "db"))
	has := func(all bool) map[string]bool {
		t.Helper()
		cs, err := e.eng.ProjectContainers(e.ctx, all)
		if err != nil {
			t.Fatalf("ProjectContainers(%v): %v", all, err)
		}
		out := map[string]bool{}
		for _, c := range cs {
			if c.Labels[engine.LabelProject] == "" {
				t.Errorf("ProjectContainers(%v) listed %s, which has no project label", all, c.Name)
			}
			out[c.ID] = true
		}
		return out
	}
	if got := has(false); !got[up] || got[down] {
		t.Errorf("ProjectContainers(false) got running %v, created %v, want only the running one", got[up], got[down])
	}
	if got := has(true); !got[up] || !got[down] {
		t.Errorf("ProjectContainers(true) got running %v, created %v, want both", got[up], got[down])
	}
}
