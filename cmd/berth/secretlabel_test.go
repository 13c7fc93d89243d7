package main

import (
	"context"
	"strings"
	"testing"
)

// TestPsShowsNoEnvironmentValue: ps --format json prints every label, and
// none of them may carry an environment value.
func TestPsShowsNoEnvironmentValue(t *testing.T) {
	h := newHarness(t, "services:\n  web:\n    image: app:latest\n    environment: {SECRET: hunter2}\n")
	h.mustRun(0, "up", "-d")
	stdout, stderr := h.mustRun(0, "ps", "-a", "--format", "json")
	if strings.Contains(stdout+stderr, "hunter2") {
		t.Errorf("ps --format json shows the value of SECRET:\n%s", stdout)
	}
	if !strings.Contains(stdout, "dev.berth.config-digests=") {
		t.Errorf("ps --format json got\n%s\nwant berth's digest label among the labels", stdout)
	}
	cs, err := h.f.Containers(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		for k, v := range c.Labels {
			if strings.Contains(v, "hunter2") {
				t.Errorf("%s label %s holds the value of SECRET", c.Name, k)
			}
		}
	}
}
