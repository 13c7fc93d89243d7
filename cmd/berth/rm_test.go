package main

import (
	"strings"
	"testing"
)

func TestRmAsksFirst(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		stdin  string
		remove bool
	}{
		{name: "no answer keeps", args: []string{"rm"}, stdin: "", remove: false},
		{name: "n keeps", args: []string{"rm"}, stdin: "n\n", remove: false},
		{name: "y removes", args: []string{"rm"}, stdin: "y\n", remove: true},
		{name: "--force does not ask", args: []string{"rm", "--force"}, stdin: "", remove: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, shopCompose)
			h.mustRun(0, "up", "-d")
			h.mustRun(0, "stop", "web")
			h.stdin = tt.stdin
			_, stderr := h.mustRun(0, tt.args...)
			asked := strings.Contains(stderr, "Going to remove shop-web-1\nAre you sure? [yN]")
			if wantAsk := !strings.Contains(strings.Join(tt.args, " "), "--force"); asked != wantAsk {
				t.Errorf("berth %v asked=%v, want %v (stderr %q)", tt.args, asked, wantAsk, stderr)
			}
			_, exists := h.containers()["shop-web-1"]
			if exists == tt.remove {
				t.Errorf("berth %v with stdin %q: shop-web-1 exists=%v, want removed=%v", tt.args, tt.stdin, exists, tt.remove)
			}
			if _, ok := h.containers()["shop-db-1"]; !ok {
				t.Errorf("berth %v removed the running shop-db-1", tt.args)
			}
		})
	}
}

func TestRmStopFirst(t *testing.T) {
	h := newHarness(t, shopCompose)
	h.mustRun(0, "up", "-d")
	h.mustRun(0, "rm", "--force", "-s", "web")
	if got := h.containers(); !equalMaps(got, map[string]string{"shop-db-1": "running"}) {
		t.Errorf("after rm --force -s web got containers %v, want only shop-db-1 running", got)
	}
}
