package main

import (
	"strings"
	"testing"

	"github.com/berth-dev/berth/engine"
)

// TestUpWaitForBadInput: a bad --wait-for or x-berth-wait stops up before
// anything is created, naming the flag or the service and key.
func TestUpWaitForBadInput(t *testing.T) {
	tests := []struct {
		name    string
		compose string
		args    []string
		want    string
	}{
		{name: "bad spec", compose: "services:\n  web:\n    image: app:latest\n",
			args: []string{"up", "--wait-for", "web=tcp:http"},
			want: `berth: --wait-for web=tcp:http: "http" is not a port number (1-65535)`},
		{name: "unknown service", compose: "services:\n  web:\n    image: app:latest\n",
			args: []string{"up", "--wait-for", "wbe=tcp:80"},
			want: `--wait-for wbe: no such service in project shop`},
		{name: "bad extension", compose: "services:\n  web:\n    image: app:latest\n    x-berth-wait: {tcp: 80, timeout: 60}\n",
			args: []string{"up", "--wait"},
			want: `service "web": x-berth-wait.timeout: must be a duration such as "60s", got 60`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, tt.compose)
			code, _, stderr := h.run(tt.args...)
			if code == 0 || !strings.Contains(stderr, tt.want) {
				t.Errorf("berth %s got exit %d, stderr\n%s\nwant an error containing %s", strings.Join(tt.args, " "), code, stderr, tt.want)
			}
			if m := h.f.Mutations(); len(m) != 0 {
				t.Errorf("berth %s made changes %v, want none", strings.Join(tt.args, " "), m)
			}
		})
	}
}

// TestUpWaitForCommand: --wait-for implies --wait, replaces the file's
// conditions and fails at --wait-timeout naming the unmet one.
func TestUpWaitForCommand(t *testing.T) {
	h := newHarness(t, "services:\n  web:\n    image: app:latest\n    x-berth-wait: {log: never}\n")
	h.f.SetExec(func(_ engine.Container, spec engine.ExecSpec, _ engine.Streams) int {
		if spec.Cmd[0] == "ready" {
			return 0
		}
		return 7
	})
	h.mustRun(0, "--progress", "plain", "up", "--wait-for", "web=cmd:ready --now", "--wait-timeout", "5")
	if got := h.containers()["shop-web-1"]; got != "running" {
		t.Errorf("after up --wait-for, web is %q, want running", got)
	}
	code, _, stderr := h.run("--progress", "plain", "up", "--wait-for", "web=cmd:check", "--wait-for", "web=interval:10ms", "--wait-timeout", "1")
	want := "berth: application not healthy after 1s\n" +
		"service \"web\": container shop-web-1 is still running\n" +
		"  waiting for cmd:check: command [\"check\"]: exit code 7\n" +
		"  no log output\n"
	if code != 1 || !strings.HasSuffix(stderr, want) {
		t.Errorf("up --wait-for web=cmd:check --wait-timeout 1 got exit %d, stderr\n%s\nwant 1, ending in\n%s", code, stderr, want)
	}
}
