package integration

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// TestConcurrentUp: berths running at once on one project take turns
// (the project lock), so none plans from a snapshot another is about to
// change: no duplicate replicas, no name conflicts, and up racing down ends
// in one of the two states, never half of each.
func TestConcurrentUp(t *testing.T) {
	t.Parallel()
	s := newStack(t, `
services:
  db:
    image: @IMAGE@
  web:
    image: @IMAGE@
    scale: 2
    depends_on: [db]
  worker:
    image: @IMAGE@
    depends_on: [db]
`)
	want := replicas{"db": 1, "web": 2, "worker": 1}

	// Progress is quiet so that stderr holds only messages: the wait for
	// the lock, and anything that went wrong.
	up := []string{"--progress", "quiet", "up", "-d"}
	const n = 8
	cmds := make([][]string, n)
	for i := range cmds {
		cmds[i] = up
	}
	var errs []error
	for i, r := range s.runAll(cmds...) {
		if r.code != 0 {
			errs = append(errs, fmt.Errorf("berth #%d: %v", i, r))
			continue
		}
		if extra := s.unexpectedStderr(r.stderr); len(extra) > 0 {
			errs = append(errs, fmt.Errorf("berth #%d exited 0 but wrote %q to stderr; only the wait for the lock is expected", i, extra))
		}
	}
	if err := errors.Join(errs...); err != nil {
		t.Errorf("%d concurrent up -d:\n%v", n, err)
	}
	s.wantConverged(want)

	// up and down at once: whichever goes second wins, completely.
	down := []string{"--progress", "quiet", "down"}
	for round := range 2 {
		rs := s.runAll(up, down)
		for _, r := range rs {
			if r.code != 0 {
				t.Errorf("round %d of up racing down: %v", round, r)
			}
		}
		upErr, downErr := s.convergedErr(want), s.downErr()
		switch {
		case upErr == nil:
			t.Logf("round %d: down went first, the project is up", round)
		case downErr == nil:
			t.Logf("round %d: up went first, the project is down", round)
		default:
			t.Fatalf("round %d of up racing down left the project neither up nor down:\nas up: %v\nas down: %v", round, upErr, downErr)
		}
	}
	s.mustBerth("up", "-d")
	s.wantConverged(want)
}

// unexpectedStderr returns the lines of stderr other than the notice that
// berth is waiting for another berth's lock on this project.
func (s *stack) unexpectedStderr(stderr string) []string {
	var extra []string
	for _, line := range nonEmptyLines(stderr) {
		l := strings.ToLower(line)
		if strings.Contains(l, "waiting for berth (pid") && strings.Contains(l, "which is working on project") && strings.Contains(line, s.project) {
			continue
		}
		extra = append(extra, line)
	}
	return extra
}
