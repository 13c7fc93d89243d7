package integration

import (
	"strings"
	"testing"
	"time"
)

// up --wait succeeds once an init container has exited 0 and a service
// with a healthcheck is healthy: a finished one-shot is done, not failed
// (docker compose fails here, docker/compose#10596).
func TestUpWaitOneShotAndHealthy(t *testing.T) {
	t.Parallel()
	s := newStack(t, `
services:
  init:
    image: @IMAGE@
    command: ["print", "migrated"]
  web:
    image: @IMAGE@
    healthcheck:
      test: ["CMD", "/berth-test", "health"]
      interval: 1s
      retries: 30
`)
	s.mustBerth("up", "--wait", "--wait-timeout", "120")
	cs := s.containers()
	if c := cs[s.name("init", 1)]; c.State != "exited" {
		t.Errorf("after up --wait, init is %q, want exited", c.State)
	}
	if health := mustDocker(t, "inspect", "-f", "{{.State.Health.Status}}", s.name("web", 1)); health != "healthy" {
		t.Errorf("after up --wait, web's health is %q, want healthy", health)
	}
}

// up --wait fails on an unhealthy service, naming it and quoting its
// probe's output and its log.
func TestUpWaitUnhealthy(t *testing.T) {
	t.Parallel()
	s := newStack(t, `
services:
  db:
    image: @IMAGE@
    command: ["write", "/tmp/started", "x"]
    healthcheck:
      test: ["CMD", "/berth-test", "health", "/tmp/never"]
      interval: 1s
      retries: 1
`)
	r := s.berth("up", "--wait", "--wait-timeout", "120")
	out := s.redact(r.stderr)
	if r.code != 1 {
		t.Fatalf("up --wait with an unhealthy service got exit %d, want 1\n%v", r.code, r)
	}
	for _, want := range []string{`service "db"`, "is unhealthy", "/tmp/never"} {
		if !strings.Contains(out, want) {
			t.Errorf("up --wait with an unhealthy service: stderr lacks %q\n%s", want, out)
		}
	}
}

// --wait-timeout ends a wait that cannot succeed, in time, naming what it
// waited for.
func TestUpWaitTimeout(t *testing.T) {
	t.Parallel()
	s := newStack(t, `
services:
  slow:
    image: @IMAGE@
    healthcheck:
      test: ["CMD", "/berth-test", "health"]
      interval: 1h
      start_period: 1h
`)
	start := time.Now()
	r := s.berth("up", "--wait", "--wait-timeout", "2")
	took := time.Since(start)
	if r.code != 1 {
		t.Fatalf("up --wait --wait-timeout 2 got exit %d, want 1\n%v", r.code, r)
	}
	out := s.redact(r.stderr)
	for _, want := range []string{"application not healthy after 2s", `service "slow"`, "health: starting"} {
		if !strings.Contains(out, want) {
			t.Errorf("up --wait --wait-timeout 2: stderr lacks %q\n%s", want, out)
		}
	}
	// Creating and starting one container takes well under a minute even
	// on a loaded machine; a wait ignoring the limit would run for an hour.
	if took > time.Minute {
		t.Errorf("up --wait --wait-timeout 2 took %s", took)
	}
}
