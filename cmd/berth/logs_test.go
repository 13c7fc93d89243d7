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
		wantErr    []string
		notWantOut []string
	}{
		{
			args:    []string{"logs"},
			wantOut: []string{"web-1  | GET /\n", "web-1  | GET /health\n", "db-1   | ready\n"},
			wantErr: []string{"web-1  | oops\n"},
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
			for _, w := range tt.wantErr {
				if !strings.Contains(stderr, w) {
					t.Errorf("berth %v stderr %q, want it to contain %q", tt.args, stderr, w)
				}
			}
			for _, w := range tt.notWantOut {
				if strings.Contains(stdout, w) {
					t.Errorf("berth %v stdout %q, want no %q", tt.args, stdout, w)
				}
			}
		})
	}
}
