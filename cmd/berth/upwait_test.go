package main

import (
	"strings"
	"testing"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/fake"
)

// TestUpWaitTimeout: --wait-timeout ends a wait on a service that never
// turns healthy with compose's exit code and a message naming it.
func TestUpWaitTimeout(t *testing.T) {
	h := newHarness(t, "services:\n  db:\n    image: app:latest\n    healthcheck: {test: [\"CMD\", \"true\"]}\n")
	h.f = fake.New().
		WithImage(engine.Image{Tags: []string{"app:latest"}}).
		WithStartHealth(func(engine.ContainerSpec) (string, []string) { return "starting", []string{"not yet"} }).
		Build()
	code, _, stderr := h.run("--progress", "plain", "up", "--wait", "--wait-timeout", "1")
	want := "berth: application not healthy after 1s\n" +
		"service \"db\": container shop-db-1 is still running (health: starting)\n" +
		"  last health probe: not yet\n" +
		"  no log output\n"
	if code != 1 || !strings.HasSuffix(stderr, want) {
		t.Errorf("up --wait --wait-timeout 1 got exit %d, stderr\n%s\nwant 1, ending in\n%s", code, stderr, want)
	}
}
