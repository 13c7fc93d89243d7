package native

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// killCompose is ten services in a depends_on chain, so that up starts
// them one after another and a kill after the first lands in the middle.
func killCompose(n int) string {
	var b strings.Builder
	b.WriteString("services:\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "  s%02d:\n    image: berth-test:latest\n", i)
		if i > 1 {
			fmt.Fprintf(&b, "    depends_on: [s%02d]\n", i-1)
		}
	}
	return b.String()
}

// TestKillDuringUp kills berth with SIGKILL in the middle of an up, at
// two points: a moment after the first container runs, and while a
// container's monitor is starting (launched, the container not yet
// running). Each time the next up must converge (every service running,
// once) and down -v must leave nothing; so must a down -v that comes
// instead of that up, while the monitor still starts the container.
func TestKillDuringUp(t *testing.T) {
	t.Parallel()
	t.Run("after the first container runs", func(t *testing.T) {
		delay := rand.N(300 * time.Millisecond)
		killUp(t, nil, func(s *stack) string {
			for name, r := range s.records() {
				if running(r.ID) == nil {
					time.Sleep(delay)
					return fmt.Sprintf("%s after %s ran", delay, name)
				}
			}
			return ""
		})
	})
	t.Run("while a monitor starts", func(t *testing.T) {
		// A first runc create that takes 3s more widens the window between
		// the first monitor's launch and its container running, so that
		// the kill lands in it and the next up comes while it lasts.
		killUp(t, slowRunc(t, 3*time.Second), startingMonitor)
	})
	t.Run("then down while a monitor starts", func(t *testing.T) {
		// No up in between: down must end the monitor the killed up left
		// starting the container, and the container it creates.
		s := killAt(t, slowRunc(t, 3*time.Second), startingMonitor)
		s.mustBerth("down", "-v")
		if left := s.trace.leftovers(); len(left) > 0 {
			t.Errorf("down -v after a killed up left:\n  %s", strings.Join(left, "\n  "))
		}
	})
}

// startingMonitor is the moment a container's monitor runs but has not
// got it running yet.
func startingMonitor(s *stack) string {
	k := kernel{monitors: monitorProcs()}
	for name, r := range s.records() {
		if running(r.ID) != nil && slices.ContainsFunc(k.monitors, func(p proc) bool { return monitorOf(p, r.ID) }) {
			return "while the monitor of " + name + " started it"
		}
	}
	return ""
}

// slowRunc writes a runc whose first create sleeps for delay and returns
// the environment that makes berth use it.
func slowRunc(t *testing.T, delay time.Duration) []string {
	t.Helper()
	runc, err := exec.LookPath("runc")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	wrapper := filepath.Join(dir, "runc")
	script := fmt.Sprintf("#!/bin/sh\ncase \" $* \" in *\" create \"*) mkdir %s/once 2>/dev/null && sleep %.3f;; esac\nexec %s \"$@\"\n",
		dir, delay.Seconds(), runc)
	if err := os.WriteFile(wrapper, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return []string{"BERTH_RUNC=" + wrapper}
}

// killServices is how many services the stacks of these tests have.
const killServices = 10

// killAt starts up -d of a ten-service stack with env added to berth's
// environment and sends SIGKILL once trigger returns what happened.
func killAt(t *testing.T, env []string, trigger func(*stack) string) *stack {
	s := newStack(t, killCompose(killServices))
	s.env = env
	up := s.start("up", "-d")
	when := ""
	deadline := time.Now().Add(2 * time.Minute)
	for when == "" {
		select {
		case <-up.done:
			t.Fatalf("up finished before it could be killed: %v", up.wait(t))
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("up of %s: the moment to kill it did not come within 2m", s.project)
		}
		time.Sleep(5 * time.Millisecond)
		when = trigger(s)
	}
	if err := up.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Logf("SIGKILL: %v", err)
	}
	r := up.wait(t)
	s.observe()
	recs := s.records()
	runningNow := 0
	for _, rec := range recs {
		if running(rec.ID) == nil {
			runningNow++
		}
	}
	t.Logf("SIGKILL %s: up exited %d with %d containers recorded, %d running", when, r.code, len(recs), runningNow)
	switch {
	case r.code == -int(syscall.SIGKILL):
	case r.code == 0:
		t.Logf("up finished before the kill; the rest of the test still checks that up and down converge")
	default:
		t.Fatalf("up failed before it was killed: %v", r)
	}
	return s
}

// killUp kills an up (killAt), then checks that up and down converge.
func killUp(t *testing.T, env []string, trigger func(*stack) string) {
	s := killAt(t, env, trigger)
	s.mustBerth("up", "-d")
	want := map[string]string{}
	for i := 1; i <= killServices; i++ {
		want[fmt.Sprintf("s%02d", i)] = "running"
	}
	s.wantStates(want)
	for svc, count := range s.serviceCount() {
		if count != 1 {
			t.Errorf("service %s has %d containers after up, want 1", svc, count)
		}
	}
	s.wantKernel()
	if r := s.berth("plan", "--detailed-exitcode"); r.code != 0 {
		t.Errorf("plan after the converging up: want exit 0: %v", r)
	}
	// One monitor per container: a second one started beside a live one
	// would fight it over the container and its DNS address.
	k := kernel{monitors: monitorProcs()}
	for name, rec := range s.records() {
		var mons []string
		for _, p := range k.monitors {
			if monitorOf(p, rec.ID) {
				mons = append(mons, fmt.Sprint(p.pid))
			}
		}
		if len(mons) != 1 {
			t.Errorf("container %s has %d monitor processes, want 1: %v", name, len(mons), mons)
		}
	}

	s.mustBerth("down", "-v")
	if left := s.trace.leftovers(); len(left) > 0 {
		t.Errorf("down -v after a killed up left:\n  %s", strings.Join(left, "\n  "))
	}
}
