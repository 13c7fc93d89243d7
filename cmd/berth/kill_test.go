package main

import (
	"context"
	"strings"
	"testing"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/fake"
)

// withStrangers gives h an engine that also holds another project's running
// container and an unlabelled one: no command of a project may touch them.
func withStrangers(h *harness) {
	h.f = fake.New().WithImage(engine.Image{Tags: []string{"app:latest"}}).WithContainer(
		engine.Container{Name: "other-web-1", Image: "app:latest", State: "running",
			Labels: map[string]string{engine.LabelProject: "other", engine.LabelService: "web", engine.LabelNumber: "1",
				engine.LabelConfigFiles: "/srv/other/compose.yaml"}},
		engine.Container{Name: "loose", Image: "app:latest", State: "running"},
	).Build()
}

// strangersUntouched fails t when a mutating call named a container of
// no concern to project shop.
func strangersUntouched(t *testing.T, h *harness) {
	t.Helper()
	for _, c := range h.f.Mutations() {
		if len(c.Args) > 0 && (c.Args[0] == "other-web-1" || c.Args[0] == "loose" ||
			strings.HasPrefix(c.Args[0], h.strangerID("other-web-1")) || strings.HasPrefix(c.Args[0], h.strangerID("loose"))) {
			t.Errorf("berth touched a container outside project shop: %v", c)
		}
	}
}

func (h *harness) strangerID(name string) string {
	c, err := h.f.InspectContainer(context.Background(), name)
	if err != nil {
		h.t.Fatal(err)
	}
	return c.ID
}

func TestKill(t *testing.T) {
	h := newHarness(t, shopCompose)
	withStrangers(h)
	h.mustRun(0, "up", "-d")
	h.f.ResetCalls()

	_, stderr := h.mustRun(0, "--progress", "plain", "kill", "web")
	for _, want := range []string{"Container shop-web-1  Killing\n", "Container shop-web-1  Killed\n"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("kill web printed\n%s\nwant the line %q", stderr, want)
		}
	}
	web, _ := h.f.InspectContainer(context.Background(), "shop-web-1")
	if web.State != "exited" || web.ExitCode != 137 {
		t.Errorf("after kill web got %s (%d), want exited (137)", web.State, web.ExitCode)
	}
	if got := h.containers()["shop-db-1"]; got != "running" {
		t.Errorf("kill web left db %s, want running", got)
	}

	// A signal the process ignores leaves it running; a bad name fails
	// before anything is sent.
	h.mustRun(0, "kill", "-s", "SIGWINCH")
	if got := h.containers()["shop-db-1"]; got != "running" {
		t.Errorf("kill -s SIGWINCH left db %s, want running", got)
	}
	h.f.ResetCalls()
	if _, stderr := h.mustRun(1, "kill", "-s", "SIGNOPE"); !strings.Contains(stderr, `invalid signal "SIGNOPE"`) {
		t.Errorf("kill -s SIGNOPE printed %q, want the invalid signal", stderr)
	}
	h.mustDryRun("kill container shop-db-1", "kill", "--dry-run", "-s", "TERM")

	h.mustRun(0, "kill", "-s", "TERM")
	db, _ := h.f.InspectContainer(context.Background(), "shop-db-1")
	if db.State != "exited" || db.ExitCode != 143 {
		t.Errorf("after kill -s TERM got db %s (%d), want exited (143)", db.State, db.ExitCode)
	}
	if _, stderr := h.mustRun(0, "kill"); !strings.Contains(stderr, "No container to kill") {
		t.Errorf("kill with nothing running printed %q, want compose's notice", stderr)
	}
	strangersUntouched(t, h)
	if got := h.containers(); got["other-web-1"] != "" {
		t.Errorf("project shop lists %v", got)
	}
	if other, _ := h.f.InspectContainer(context.Background(), "other-web-1"); other.State != "running" {
		t.Errorf("another project's container is %s, want running", other.State)
	}
}

// TestKillOrphans: an orphan is killed only with --remove-orphans (or
// COMPOSE_REMOVE_ORPHANS), and kept, not removed, as compose does.
func TestKillOrphans(t *testing.T) {
	h := newHarness(t, strings.Replace(shopCompose, "services:\n", "services:\n  old:\n    image: app:latest\n", 1))
	h.mustRun(0, "up", "-d")
	h.file = newHarness(t, shopCompose).file
	h.mustRun(0, "kill")
	if got := h.containers()["shop-old-1"]; got != "running" {
		t.Fatalf("kill without --remove-orphans left the orphan %s, want running", got)
	}
	h.env["COMPOSE_REMOVE_ORPHANS"] = "1"
	h.mustRun(0, "kill")
	if got := h.containers()["shop-old-1"]; got != "exited" {
		t.Errorf("kill with COMPOSE_REMOVE_ORPHANS left the orphan %s, want exited", got)
	}
}
