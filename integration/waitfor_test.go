package integration

import (
	"strings"
	"testing"
)

// x-berth-wait log: up --wait returns only once the line is in the
// container's output. The line comes two seconds after start, so a wait
// that returned on "running" would find it missing.
func TestUpWaitForLog(t *testing.T) {
	t.Parallel()
	s := shellStack(t, `
services:
  db:
    image: @SHELL@
    command: ["sh", "-c", "echo starting; sleep 2; echo ready to accept connections; exec sleep 1000"]
    init: true
    x-berth-wait:
      log: "^ready to accept"
      interval: 200ms
`)
	s.mustBerth("up", "--wait", "--wait-timeout", "120")
	if logs := mustDocker(t, "logs", s.name("db", 1)); !strings.Contains(logs, "ready to accept connections") {
		t.Errorf("up --wait returned before db logged its line; its log:\n%s", logs)
	}
}

// x-berth-wait http, against the test image's server: once through the
// container's address (the port is not published), once through a
// published ephemeral port.
func TestUpWaitForHTTP(t *testing.T) {
	t.Parallel()
	s := newStack(t, `
services:
  inner:
    image: @IMAGE@
    command: ["serve", "8080"]
    x-berth-wait:
      http: {port: 8080, path: /health/ok, status: 200}
  published:
    image: @IMAGE@
    command: ["serve", "8080"]
    ports: ["127.0.0.1::8080"]
    x-berth-wait:
      http: "8080/health/ok"
`)
	s.mustBerth("up", "--wait", "--wait-timeout", "120")
	// /health/ok wrote the file: the check's request reached each server.
	for _, service := range []string{"inner", "published"} {
		if out, err := s.exec(s.name(service, 1), "cat", "/tmp/healthy"); err != nil || out != "ok" {
			t.Errorf("after up --wait, %s's /tmp/healthy is %q (%v): the http check never reached it", service, out, err)
		}
	}
}

// x-berth-wait tcp through a published port: Docker's proxy accepts
// connections before anything listens in the container, and the check must
// not count those.
func TestUpWaitForTCP(t *testing.T) {
	t.Parallel()
	s := shellStack(t, `
services:
  db:
    image: @SHELL@
    command: ["sh", "-c", "sleep 2; echo listening; exec nc -ll -p 5432 -e /bin/cat"]
    init: true
    ports: ["127.0.0.1::5432"]
    x-berth-wait: {tcp: 5432, interval: 200ms}
`)
	s.mustBerth("up", "--wait", "--wait-timeout", "120")
	if logs := mustDocker(t, "logs", s.name("db", 1)); !strings.Contains(logs, "listening") {
		t.Errorf("up --wait returned before db listened on 5432; its log:\n%s", logs)
	}
}

// --wait-for with a condition that never holds fails at --wait-timeout,
// naming the service, the condition and what came back.
func TestUpWaitForNever(t *testing.T) {
	t.Parallel()
	s := newStack(t, `
services:
  web:
    image: @IMAGE@
    command: ["serve", "8080"]
`)
	r := s.berth("up", "--wait-for", "web=http:8080/nope", "--wait-timeout", "3")
	if r.code != 1 {
		t.Fatalf("up --wait-for web=http:8080/nope got exit %d, want 1\n%v", r.code, r)
	}
	out := s.redact(r.stderr)
	for _, want := range []string{"application not healthy after 3s", `service "web"`, "waiting for http:8080/nope: http ", "/nope: status 404, want 2xx", "listening on :8080"} {
		if !strings.Contains(out, want) {
			t.Errorf("up --wait-for web=http:8080/nope: stderr lacks %q\n%s", want, out)
		}
	}
}
