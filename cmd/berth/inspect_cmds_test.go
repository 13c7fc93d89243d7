package main

import (
	"strings"
	"testing"
)

// TestInspectCommandsWired runs --help of build, images, events, stats and
// cp through the real root, which catches a command missing from root.go
// and flag shorthands that clash with the global flags.
func TestInspectCommandsWired(t *testing.T) {
	for _, name := range []string{"build", "images", "events", "stats", "cp"} {
		t.Run(name, func(t *testing.T) {
			code, stdout, stderr := execute(t, nil, "", name, "--help")
			if code != 0 || !strings.Contains(stdout, "berth "+name) {
				t.Errorf("berth %s --help got exit %d, stdout %q stderr %q, want 0 and its usage", name, code, stdout, stderr)
			}
		})
	}
}
