package main

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

func TestPsJSONFieldNames(t *testing.T) {
	h := newHarness(t, shopCompose)
	h.mustRun(0, "up", "-d")
	stdout, _ := h.mustRun(0, "ps", "--format", "json")
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 2 {
		t.Fatalf("ps --format json got %d lines, want one per container (2):\n%s", len(lines), stdout)
	}
	// The keys docker compose ps --format json prints (v2.21+).
	want := []string{
		"Command", "CreatedAt", "Engine", "ExitCode", "Health", "ID", "Image", "Labels", "LocalVolumes",
		"Mounts", "Name", "Names", "Networks", "Ports", "Project", "Publishers", "RunningFor", "Service",
		"Size", "State", "Status",
	}
	var services []string
	for _, line := range lines {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("ps --format json line %q: %v", line, err)
		}
		var keys []string
		for k := range rec {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if !slices.Equal(keys, want) {
			t.Errorf("ps --format json keys got %v, want %v", keys, want)
		}
		services = append(services, rec["Service"].(string))
	}
	if !slices.Equal(services, []string{"db", "web"}) {
		t.Errorf("ps --format json services got %v, want [db web] (sorted by name)", services)
	}
}

func TestPsSelection(t *testing.T) {
	h := newHarness(t, shopCompose)
	h.mustRun(0, "up", "-d")
	h.mustRun(0, "stop", "web")
	tests := []struct {
		args []string
		want []string // container names or services, in order
	}{
		{[]string{"ps", "--format", "json"}, []string{"shop-db-1"}},
		{[]string{"ps", "-a", "--format", "json"}, []string{"shop-db-1", "shop-web-1"}},
		{[]string{"ps", "--status", "exited", "--format", "json"}, []string{"shop-web-1"}},
		{[]string{"ps", "--filter", "status=running", "--format", "json"}, []string{"shop-db-1"}},
		{[]string{"ps", "-a", "--format", "json", "web"}, []string{"shop-web-1"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			stdout, _ := h.mustRun(0, tt.args...)
			var got []string
			for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
				if line == "" {
					continue
				}
				var rec struct{ Name string }
				if err := json.Unmarshal([]byte(line), &rec); err != nil {
					t.Fatalf("line %q: %v", line, err)
				}
				got = append(got, rec.Name)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("berth %v got %v, want %v", tt.args, got, tt.want)
			}
		})
	}
	stdout, _ := h.mustRun(0, "ps", "-a", "--services")
	if stdout != "db\nweb\n" {
		t.Errorf("ps -a --services got %q, want %q", stdout, "db\nweb\n")
	}
	stdout, _ = h.mustRun(0, "ps", "-q")
	if lines := strings.Fields(stdout); len(lines) != 1 || len(lines[0]) != 64 {
		t.Errorf("ps -q got %q, want the full ID of shop-db-1", stdout)
	}
	stdout, _ = h.mustRun(0, "ps")
	if !strings.HasPrefix(stdout, "NAME ") || !strings.Contains(stdout, "shop-db-1") {
		t.Errorf("ps got\n%s\nwant a table with shop-db-1", stdout)
	}
}

func TestPsErrors(t *testing.T) {
	h := newHarness(t, shopCompose)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"ps", "--status", "sleeping"}, `--status "sleeping"`},
		{[]string{"ps", "--filter", "name=web"}, `unknown filter "name"`},
		{[]string{"ps", "--filter", "status"}, "KEY=VAL"},
		{[]string{"ps", "--format", "{{.Name}}"}, "use table or json"},
		{[]string{"ps", "nope"}, "nope"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, _, stderr := h.run(tt.args...)
			if code != 1 || !strings.Contains(stderr, tt.want) {
				t.Errorf("berth %v got exit %d stderr %q, want 1 and %q", tt.args, code, stderr, tt.want)
			}
		})
	}
}
