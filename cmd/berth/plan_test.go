package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestPlanDetailedExitCode(t *testing.T) {
	h := newHarness(t, shopCompose)
	stdout, _ := h.mustRun(exitChanges, "plan", "--detailed-exitcode")
	if !strings.Contains(stdout, "create container shop-web-1") {
		t.Errorf("plan before up printed\n%s\nwant it to plan shop-web-1", stdout)
	}
	if m := h.f.Mutations(); len(m) != 0 {
		t.Errorf("plan made changes %v, want none", m)
	}
	h.mustRun(0, "plan") // without the flag, changes are not an error
	h.mustRun(0, "up", "-d")
	stdout, _ = h.mustRun(0, "plan", "--detailed-exitcode")
	if !strings.Contains(stdout, "nothing to do") {
		t.Errorf("plan after up printed\n%s\nwant nothing to do", stdout)
	}
}

func TestPlanFlagsChangeThePlan(t *testing.T) {
	h := newHarness(t, shopCompose)
	h.mustRun(0, "up", "-d")
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"plan", "--force-recreate"}, "recreate container shop-web-1"},
		{[]string{"plan", "--force-recreate", "--no-deps", "web"}, "recreate container shop-web-1"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			stdout, _ := h.mustRun(0, tt.args...)
			if !strings.Contains(stdout, tt.want) {
				t.Errorf("berth %v printed\n%s\nwant %q", tt.args, stdout, tt.want)
			}
		})
	}
	stdout, _ := h.mustRun(0, "plan", "--force-recreate", "--no-deps", "web")
	if strings.Contains(stdout, "shop-db-1") {
		t.Errorf("plan --no-deps web printed\n%s\nwant db left alone", stdout)
	}
}

func TestPlanJSON(t *testing.T) {
	h := newHarness(t, shopCompose)
	stdout, _ := h.mustRun(0, "plan", "--format", "json")
	var plan struct {
		Project string `json:"project"`
		Actions []struct {
			Kind   string `json:"kind"`
			Target struct {
				Name string `json:"name"`
			} `json:"target"`
		} `json:"actions"`
	}
	if err := json.Unmarshal([]byte(stdout), &plan); err != nil {
		t.Fatalf("plan --format json printed %q: %v", stdout, err)
	}
	if plan.Project != "shop" || len(plan.Actions) == 0 {
		t.Errorf("plan --format json got project %q with %d actions, want shop with some", plan.Project, len(plan.Actions))
	}
	code, _, stderr := h.run("plan", "--format", "yaml")
	if code != 1 || !strings.Contains(stderr, `--format "yaml"`) {
		t.Errorf("plan --format yaml got exit %d stderr %q, want 1 and a --format error", code, stderr)
	}
}

// TestPlanEndsWithNewline checks that plan output, empty or not and as plan
// or --dry-run, ends its last line, so that a shell prompt starts on its own.
func TestPlanEndsWithNewline(t *testing.T) {
	h := newHarness(t, shopCompose)
	before, _ := h.mustRun(0, "plan")
	h.mustRun(0, "up", "-d")
	after, _ := h.mustRun(0, "plan")
	dry, _ := h.mustRun(0, "--dry-run", "up", "-d")
	for _, tt := range []struct{ name, out string }{
		{"plan before up", before},
		{"plan after up", after},
		{"--dry-run up after up", dry},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.HasSuffix(tt.out, "\n") || strings.HasSuffix(tt.out, "\n\n") {
				t.Errorf("%s printed %q, want it to end with exactly one newline", tt.name, tt.out)
			}
		})
	}
	if want := "project shop: nothing to do\n"; after != want {
		t.Errorf("plan after up printed %q, want %q", after, want)
	}
}
