package integration

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// chainCompose is six services in a depends_on chain, four of them waiting
// for their dependency's healthcheck, so that an up takes several seconds
// and a signal lands in the middle of it. generation is in every service's
// environment: changing it recreates the whole stack.
func chainCompose(generation int) string {
	return fmt.Sprintf(`
x-common: &common
  image: @IMAGE@
  environment:
    GENERATION: "%d"
  healthcheck:
    test: ["CMD", "/berth-test", "health"]
    interval: 1s
    timeout: 5s
    retries: 60
services:
  s1:
    <<: *common
  s2:
    <<: *common
    depends_on:
      s1: {condition: service_healthy}
  s3:
    <<: *common
    depends_on:
      s2: {condition: service_healthy}
  s4:
    <<: *common
    depends_on:
      s3: {condition: service_healthy}
  s5:
    <<: *common
    scale: 2
    depends_on:
      s4: {condition: service_healthy}
  s6:
    <<: *common
    depends_on: [s5]
`, generation)
}

var chainReplicas = replicas{"s1": 1, "s2": 1, "s3": 1, "s4": 1, "s5": 2, "s6": 1}

// interruptUp starts `up -d`, waits until trigger holds, then a random
// delay of up to maxDelay (logged, so a failure can be replayed), and sends
// sig. It returns the command's result and whether the signal reached it
// while it ran; an up that finished first must have succeeded.
func (s *stack) interruptUp(sig os.Signal, what string, trigger func() error, maxDelay time.Duration) (result, bool) {
	s.t.Helper()
	up := s.start("up", "-d")
	if !up.waitFor(2*time.Minute, what, trigger) {
		r := up.wait(berthTimeout, "")
		if r.code != 0 {
			s.t.Fatalf("up -d failed before it could be interrupted: %v", r)
		}
		s.t.Logf("up -d finished before %s; nothing was interrupted", what)
		return r, false
	}
	delay := rand.N(maxDelay)
	time.Sleep(delay)
	hit := up.signal(sig)
	r := up.wait(time.Minute, fmt.Sprintf(" of %v", sig))
	s.t.Logf("%v sent %s after %s (delivered: %t): exit %d", sig, delay, what, hit, r.code)
	if !hit && r.code != 0 {
		s.t.Fatalf("up -d failed before %v was sent: %v", sig, r)
	}
	return r, hit
}

// anyContainer holds once the project has at least one container.
func (s *stack) anyContainer() error {
	if n := len(s.containers()); n == 0 {
		return fmt.Errorf("no container yet")
	}
	return nil
}

// TestKillMidUp: a berth killed with SIGKILL during the first up leaves a
// half-built project; the next up finishes it without duplicates.
func TestKillMidUp(t *testing.T) {
	t.Parallel()
	s := newStack(t, chainCompose(1))
	s.interruptUp(syscall.SIGKILL, "the first container exists", s.anyContainer, 2*time.Second)
	s.settle()
	s.mustBerth("up", "-d")
	s.wantConverged(chainReplicas)
}

// TestKillMidRecreate: a berth killed while it replaces containers may
// leave a replacement under its temporary name, or an old container
// stopped; the next up removes the one and replaces the other.
func TestKillMidRecreate(t *testing.T) {
	t.Parallel()
	s := newStack(t, chainCompose(1))
	s.mustBerth("up", "-d")
	before := s.wantConverged(chainReplicas)
	old := slices.Collect(maps.Values(before))

	s.write("compose.yaml", chainCompose(2))
	replacing := func() error {
		for _, c := range s.containers() {
			if !slices.Contains(old, c.ID) {
				return nil
			}
		}
		return fmt.Errorf("no replacement container yet")
	}
	s.interruptUp(syscall.SIGKILL, "the first replacement exists", replacing, 2*time.Second)
	s.settle()
	s.mustBerth("up", "-d")
	after := s.wantConverged(chainReplicas)
	for _, n := range s.names(chainReplicas) {
		if after[n] == before[n] {
			t.Errorf("%s: ID unchanged (%.12s) after GENERATION changed, want a new container", n, after[n])
		}
		env := nonEmptyLines(s.inspect(n, "{{range .Config.Env}}{{println .}}{{end}}"))
		if !slices.Contains(env, "GENERATION=2") {
			t.Errorf("%s env got %q, want GENERATION=2", n, env)
		}
	}
}

// TestInterruptMidUp: the first SIGINT ends up -d with 130 without waiting
// for what it was doing to finish, and the next up converges.
func TestInterruptMidUp(t *testing.T) {
	t.Parallel()

	// up waits for gate, which stays unhealthy until the test says so:
	// without the signal, up -d would wait for ten minutes.
	t.Run("waiting-for-healthy", func(t *testing.T) {
		t.Parallel()
		s := newStack(t, `
services:
  gate:
    image: @IMAGE@
    command: ["serve", "8080"]
    healthcheck:
      test: ["CMD", "/berth-test", "health", "/tmp/healthy"]
      interval: 1s
      timeout: 5s
      retries: 600
  app:
    image: @IMAGE@
    depends_on:
      gate: {condition: service_healthy}
  web:
    image: @IMAGE@
    scale: 2
    depends_on: [app]
`)
		gate, app := s.name("gate", 1), s.name("app", 1)
		waiting := func() error {
			c, ok := s.containers()[gate]
			if !ok || c.State != "running" {
				return fmt.Errorf("%s not running", gate)
			}
			streak, err := docker("inspect", "-f", "{{.State.Health.FailingStreak}}", gate)
			if err != nil || streak == "0" {
				return fmt.Errorf("%s has not failed a healthcheck yet (%s, %v)", gate, streak, err)
			}
			return nil
		}
		r, hit := s.interruptUp(syscall.SIGINT, gate+" failing its healthcheck", waiting, time.Second)
		if !hit || r.code != exitInterrupted {
			t.Fatalf("up -d interrupted while waiting for %s got exit %d (signal delivered: %t), want %d\n%v", gate, r.code, hit, exitInterrupted, r)
		}
		if c, ok := s.containers()[app]; ok && c.State == "running" {
			t.Errorf("%s is running although up was interrupted before %s became healthy", app, gate)
		}

		if _, err := s.exec(gate, "get", "http://127.0.0.1:8080/health/ok"); err != nil {
			t.Fatal(err)
		}
		s.mustBerth("up", "-d")
		s.wantConverged(replicas{"gate": 1, "app": 1, "web": 2})
	})

	// While creates are in flight: the daemon finishes a create whose
	// client went away, and until then holds the name without listing the
	// container. berth must wait for its creates before it exits, or the
	// next up finds names taken by containers it cannot see.
	t.Run("mid-create", func(t *testing.T) {
		t.Parallel()
		var b strings.Builder
		b.WriteString("services:\n")
		want := replicas{}
		for i := range 12 {
			fmt.Fprintf(&b, "  c%d:\n    image: @IMAGE@\n", i)
			want[fmt.Sprintf("c%d", i)] = 1
		}
		s := newStack(t, b.String())
		r, hit := s.interruptUp(syscall.SIGINT, "the first container exists", s.anyContainer, 150*time.Millisecond)
		if hit && r.code != exitInterrupted && r.code != 0 {
			t.Errorf("up -d interrupted got exit %d, want %d\n%v", r.code, exitInterrupted, r)
		}
		s.mustBerth("up", "-d")
		s.wantConverged(want)
	})

	// Anywhere in the chain: creating, starting or waiting.
	t.Run("random-point", func(t *testing.T) {
		t.Parallel()
		s := newStack(t, chainCompose(1))
		r, hit := s.interruptUp(syscall.SIGINT, "the first container exists", s.anyContainer, 3*time.Second)
		// An up that finished just as the signal came may exit 0.
		if hit && r.code != exitInterrupted && r.code != 0 {
			t.Errorf("up -d interrupted got exit %d, want %d\n%v", r.code, exitInterrupted, r)
		}
		s.mustBerth("up", "-d")
		s.wantConverged(chainReplicas)
	})
}

// exitInterrupted is berth's exit code after SIGINT, the shell's 128+2.
const exitInterrupted = 130
