package native

import (
	"fmt"
	"math/rand/v2"
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

// TestKillDuringUp kills berth with SIGKILL in the middle of an up: the
// next up converges (every service running, once) and down -v leaves
// nothing.
func TestKillDuringUp(t *testing.T) {
	t.Parallel()
	const n = 10
	s := newStack(t, killCompose(n))
	up := s.start("up", "-d")
	first := ""
	deadline := time.Now().Add(2 * time.Minute)
	for first == "" {
		select {
		case <-up.done:
			t.Fatalf("up finished before any container ran; nothing to interrupt: %v", up.wait(t))
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no container of %s ran within 2m", s.project)
		}
		recs, err := containerRecords(s.project)
		if err != nil {
			t.Fatal(err)
		}
		for name, r := range recs {
			if running(r.ID) == nil {
				first = name
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	delay := rand.N(300 * time.Millisecond)
	time.Sleep(delay)
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
	t.Logf("SIGKILL %s after %s ran: up exited %d with %d containers recorded, %d running", delay, first, r.code, len(recs), runningNow)
	switch {
	case r.code == -int(syscall.SIGKILL):
	case r.code == 0:
		t.Logf("up finished before the kill; the rest of the test still checks that up and down converge")
	default:
		t.Fatalf("up failed before it was killed: %v", r)
	}

	s.mustBerth("up", "-d")
	want := map[string]string{}
	for i := 1; i <= n; i++ {
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

	s.mustBerth("down", "-v")
	if left := s.trace.leftovers(); len(left) > 0 {
		t.Errorf("down -v after a killed up left:\n  %s", strings.Join(left, "\n  "))
	}
}
