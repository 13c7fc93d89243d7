package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestUpBuildRefusals: up refuses, before changing anything, a build whose
// context is missing and a build that --no-build forbids; down and ps do
// not care about build contexts.
func TestUpBuildRefusals(t *testing.T) {
	const missingContext = "services:\n  web:\n    build: ./nope\n"
	tests := []struct {
		name    string
		compose string
		args    []string
		want    string // the final line; $DIR is the project directory
	}{
		{"context missing", missingContext, []string{"up", "-d"},
			`berth: service "web": build context "$DIR/nope" does not exist: fix build.context in compose.yaml`},
		{"context missing, dry run", missingContext, []string{"--dry-run", "up", "-d"},
			`berth: service "web": build context "$DIR/nope" does not exist: fix build.context in compose.yaml`},
		{"no-build", "services:\n  web:\n    build: .\n", []string{"up", "-d", "--no-build"},
			`berth: service "web": image "shop-web" not found locally and --no-build given: drop --no-build to build it, or load it (docker load)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, tt.compose)
			code, _, stderr := h.run(tt.args...)
			want := strings.ReplaceAll(tt.want, "$DIR", filepath.Dir(h.file))
			if code != 1 || strings.TrimSpace(stderr) != want {
				t.Errorf("berth %v got exit %d stderr %q, want 1 and %q", tt.args, code, stderr, want)
			}
			if m := h.f.Mutations(); len(m) != 0 {
				t.Errorf("berth %v made changes %v, want none", tt.args, m)
			}
		})
	}
	for _, args := range [][]string{{"down"}, {"ps"}} {
		t.Run(args[0], func(t *testing.T) {
			h := newHarness(t, missingContext)
			h.mustRun(0, args...)
		})
	}
}
