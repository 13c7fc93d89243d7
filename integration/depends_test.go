package integration

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/itest"
)

// up waits for db to be healthy before it starts app.
func TestDependsOnServiceHealthy(t *testing.T) {
	t.Parallel()
	// db is unhealthy until /tmp/healthy exists, which the test creates
	// through serve's /health/ok once it has seen up hold app back.
	s := newStack(t, `
services:
  db:
    image: @IMAGE@
    command: ["serve", "8080"]
    healthcheck:
      test: ["CMD", "/berth-test", "health", "/tmp/healthy"]
      interval: 1s
      timeout: 5s
      retries: 120
  app:
    image: @IMAGE@
    depends_on:
      db:
        condition: service_healthy
`)
	db, app := s.name("db", 1), s.name("app", 1)

	ctx, cancel := context.WithTimeout(context.Background(), berthTimeout)
	defer cancel()
	up := berthCommand(ctx, s.dir, "-p", s.project, "up", "-d")
	var out strings.Builder
	up.Stdout, up.Stderr = &out, &out
	if err := up.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1) // Wait's single result
	go func() { done <- up.Wait() }()

	// Two failed probes prove db is running but not yet healthy.
	itest.Eventually(t, time.Minute, db+" failing its healthcheck", func() error {
		streak, err := docker("inspect", "-f", "{{.State.Health.FailingStreak}}", db)
		if err != nil {
			return err
		}
		if n, _ := strconv.Atoi(streak); n < 2 {
			return fmt.Errorf("failing streak %s", streak)
		}
		return nil
	})
	select {
	case err := <-done:
		t.Fatalf("up -d returned (%v) while %s was unhealthy; want it to wait\n%s", err, db, out.String())
	default:
	}
	if c, ok := s.containers()[app]; ok && c.State == "running" {
		t.Fatalf("%s is running while %s is unhealthy", app, db)
	}

	if _, err := s.exec(db, "get", "http://127.0.0.1:8080/health/ok"); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("up -d: %v\n%s", err, out.String())
		}
	case <-time.After(berthTimeout):
		t.Fatalf("up -d did not return after %s became healthy\n%s", db, out.String())
	}
	s.wantRunning(db, app)
}

// up fails, naming the dependency, when it never becomes healthy; the
// dependent is not started.
func TestDependsOnServiceUnhealthy(t *testing.T) {
	t.Parallel()
	s := newStack(t, `
services:
  db:
    image: @IMAGE@
    healthcheck:
      test: ["CMD", "/berth-test", "health", "/tmp/never"]
      interval: 1s
      timeout: 5s
      retries: 2
  app:
    image: @IMAGE@
    depends_on:
      db:
        condition: service_healthy
`)
	r := s.berth("up", "-d")
	if r.code == 0 {
		t.Fatalf("up -d with an unhealthy dependency exited 0, want a failure\n%v", r)
	}
	if out := strings.ToLower(s.redact(r.output())); !strings.Contains(out, "unhealthy") || !strings.Contains(out, "db") {
		t.Errorf("up -d output %q, want it to say db is unhealthy", r.output())
	}
	if c, ok := s.containers()[s.name("app", 1)]; ok && c.State == "running" {
		t.Errorf("%s is running although its dependency is unhealthy", c.Name)
	}
}
