package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestLsWide(t *testing.T) {
	h := newHarness(t, shopCompose)
	h.mustRun(0, "up", "-d", "--ttl", "1h")
	stdout, _ := h.mustRun(0, "ls", "--wide", "--format", "json")
	var got []map[string]any
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("ls --wide --format json printed %q: %v", stdout, err)
	}
	if len(got) != 1 || got[0]["Name"] != "shop" || got[0]["Status"] != "running(2)" ||
		got[0]["TTLUntil"] != "2026-01-01T01:10:00Z" || got[0]["BaseProject"] != "shop" || got[0]["Lease"] != "" {
		t.Errorf("ls --wide --format json got %v", got)
	}
	stdout, _ = h.mustRun(0, "ls", "--wide")
	if lines := strings.Split(strings.TrimSpace(stdout), "\n"); len(lines) != 2 ||
		!strings.Contains(lines[0], "LIFE") || !strings.Contains(lines[1], "ttl 1h left") {
		t.Errorf("ls --wide printed\n%s\nwant a LIFE column with the TTL left", stdout)
	}
	if stdout, _ := h.mustRun(0, "ls", "--wide", "-q"); stdout != "shop\n" {
		t.Errorf("ls --wide -q printed %q, want the names only", stdout)
	}
}
