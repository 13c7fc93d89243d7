package main

import (
	"context"
	"strings"
	"testing"
)

func (h *harness) volumes() []string {
	h.t.Helper()
	vs, err := h.f.Volumes(context.Background(), "shop")
	if err != nil {
		h.t.Fatal(err)
	}
	var names []string
	for _, v := range vs {
		names = append(names, v.Name)
	}
	return names
}

func TestDownKeepsNamedVolumesWithoutV(t *testing.T) {
	h := newHarness(t, shopCompose)
	h.mustRun(0, "up", "-d")
	h.mustRun(0, "down")
	if got := h.containers(); len(got) != 0 {
		t.Errorf("after down got containers %v, want none", got)
	}
	if got := h.volumes(); len(got) != 1 || got[0] != "shop_data" {
		t.Errorf("after down got volumes %v, want [shop_data] kept", got)
	}
	h.mustRun(0, "up", "-d")
	h.mustRun(0, "down", "-v")
	if got := h.volumes(); len(got) != 0 {
		t.Errorf("after down -v got volumes %v, want none", got)
	}
}

func TestDownDryRunMakesNoMutations(t *testing.T) {
	h := newHarness(t, shopCompose)
	h.mustRun(0, "up", "-d")
	h.f.ResetCalls()
	h.mustDryRun("remove container shop-web-1", "down", "--dry-run", "-v")
}

// TestDownWithOnlyProjectName runs down where there is no compose file at
// all: -p is enough, as with docker compose.
func TestDownWithOnlyProjectName(t *testing.T) {
	h := newHarness(t, shopCompose)
	h.mustRun(0, "up", "-d")
	t.Chdir(t.TempDir())
	code, stdout, stderr := h.runCtx(context.Background(), "-p", "shop", "down")
	if code != 0 {
		t.Fatalf("down -p shop without a compose file got exit %d\n%s%s", code, stdout, stderr)
	}
	if got := h.containers(); len(got) != 0 {
		t.Errorf("after down -p shop got containers %v, want none", got)
	}
	code, _, stderr = h.runCtx(context.Background(), "down")
	if code != 1 || !strings.Contains(stderr, "no compose file") {
		t.Errorf("down without file or -p got exit %d stderr %q, want 1 and the loader's no compose file error", code, stderr)
	}
}
