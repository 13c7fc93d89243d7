package main

import (
	"strings"
	"testing"
)

func TestLogsMultiplexed(t *testing.T) {
	h := newHarness(t, shopCompose)
	h.mustRun(0, "up", "-d")
	if err := h.f.SetLogs(h.containerID("shop-web-1"), "GET /\nGET /health\n", "oops\n"); err != nil {
		t.Fatal(err)
	}
	if err := h.f.SetLogs(h.containerID("shop-db-1"), "ready\n", ""); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args       []string
		wantOut    []string
		notWantOut []string
	}{
		{
			args: []string{"logs"},
			// A container's stderr is output too: `berth logs | grep` sees it.
			wantOut: []string{"web-1  | GET /\n", "web-1  | GET /health\n", "db-1   | ready\n", "web-1  | oops\n"},
		},
		{
			args:       []string{"logs", "--no-log-prefix", "db"},
			wantOut:    []string{"ready\n"},
			notWantOut: []string{"GET /", "|"},
		},
		{
			args:       []string{"logs", "--tail", "1", "web"},
			wantOut:    []string{"web-1  | GET /health\n"},
			notWantOut: []string{"GET /\n"},
		},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			stdout, stderr := h.mustRun(0, tt.args...)
			for _, w := range tt.wantOut {
				if !strings.Contains(stdout, w) {
					t.Errorf("berth %v stdout %q, want it to contain %q", tt.args, stdout, w)
				}
			}
			if stderr != "" {
				t.Errorf("berth %v stderr %q, want nothing", tt.args, stderr)
			}
			for _, w := range tt.notWantOut {
				if strings.Contains(stdout, w) {
					t.Errorf("berth %v stdout %q, want no %q", tt.args, stdout, w)
				}
			}
		})
	}
}
