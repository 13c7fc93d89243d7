package main

import (
	"strings"
	"testing"
)

func TestPort(t *testing.T) {
	h := newHarness(t, `
services:
  web:
    image: app:latest
    ports: ["127.0.0.1:8080:80", "9090:90/udp"]
    expose: ["7000"]
  db:
    image: app:latest
`)
	h.mustRun(0, "up", "-d")
	tests := []struct {
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{args: []string{"port", "web", "80"}, stdout: "127.0.0.1:8080\n"},
		{args: []string{"port", "--protocol", "udp", "web", "90"}, stdout: "0.0.0.0:9090\n"},
		{args: []string{"port", "--index", "1", "web", "80"}, stdout: "127.0.0.1:8080\n"},
		{args: []string{"port", "web", "81"}, code: 1, stderr: "no port 81/tcp for container shop-web-1: 80/tcp, 90/udp, 7000/tcp"},
		{args: []string{"port", "web", "7000"}, code: 1, stderr: "no port 7000/tcp for container shop-web-1"},
		{args: []string{"port", "--index", "2", "web", "80"}, code: 1, stderr: `service "web" is not running container #2`},
		{args: []string{"port", "db", "5432"}, code: 1, stderr: "no port 5432/tcp for container shop-db-1: "},
		{args: []string{"port", "nope", "80"}, code: 1, stderr: `no such service "nope"`},
		{args: []string{"port", "web", "http"}, code: 1, stderr: `PRIVATE_PORT "http"`},
		{args: []string{"port", "web"}, code: 1, stderr: "accepts 2 arg(s)"},
	}
	for _, tt := range tests {
		stdout, stderr := h.mustRun(tt.code, tt.args...)
		if stdout != tt.stdout || !strings.Contains(stderr, tt.stderr) {
			t.Errorf("berth %v printed %q and %q, want %q and %q", tt.args, stdout, stderr, tt.stdout, tt.stderr)
		}
	}
	h.mustRun(0, "stop", "web")
	if _, stderr := h.mustRun(1, "port", "web", "80"); !strings.Contains(stderr, `service "web" is not running`) {
		t.Errorf("port of a stopped service printed %q, want it is not running", stderr)
	}
}
