package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// waitExit runs `berth args...` in the background, ends container name with
// code once berth waits for it, and returns berth's exit code and stdout.
func (h *harness) waitExit(name string, code int, args ...string) (int, string, string) {
	h.t.Helper()
	id := h.containerID(name)
	type result struct {
		code           int
		stdout, stderr string
	}
	done := make(chan result, 1)
	go func() {
		c, out, errOut := h.run(args...)
		done <- result{c, out, errOut}
	}()
	deadline := time.Now().Add(10 * time.Second)
	for !h.waitedFor(id) {
		if time.Now().After(deadline) {
			h.t.Fatalf("berth %v never waited for %s", args, name)
		}
		time.Sleep(time.Millisecond)
	}
	if err := h.f.Exit(id, code); err != nil {
		h.t.Fatal(err)
	}
	r := <-done
	return r.code, r.stdout, r.stderr
}

func (h *harness) waitedFor(id string) bool {
	for _, c := range h.f.Calls() {
		if c.Method == "WaitContainer" && len(c.Args) > 0 && c.Args[0] == id {
			return true
		}
	}
	return false
}

func TestWait(t *testing.T) {
	h := newHarness(t, shopCompose)
	h.mustRun(0, "up", "-d")
	id := h.containerID("shop-web-1")
	code, stdout, stderr := h.waitExit("shop-web-1", 4, "wait", "web")
	if code != 4 {
		t.Errorf("wait web got exit %d (stderr %q), want 4, the container's", code, stderr)
	}
	if want := fmt.Sprintf("container %q exited with status code 4\n", id); stdout != want {
		t.Errorf("wait web printed %q, want %q", stdout, want)
	}
	if got := h.containers()["shop-db-1"]; got != "running" {
		t.Errorf("wait web left db %s, want running", got)
	}
	// Nothing left to wait for is an error, as in compose.
	if _, stderr := h.mustRun(1, "wait", "web"); !strings.Contains(stderr, `no containers for project "shop"`) {
		t.Errorf("wait for an exited service printed %q", stderr)
	}
	h.mustRun(1, "wait")
	if _, stderr := h.mustRun(1, "wait", "nope"); !strings.Contains(stderr, "nope") {
		t.Errorf("wait nope printed %q, want the service named", stderr)
	}

	// Exit code 0 and --down-project: the project goes once db exits.
	code, _, stderr = h.waitExit("shop-db-1", 0, "--progress", "plain", "wait", "--down-project", "db")
	if code != 0 {
		t.Errorf("wait --down-project db got exit %d (stderr %q), want 0", code, stderr)
	}
	if got := h.containers(); len(got) != 0 {
		t.Errorf("after wait --down-project got containers %v, want none", got)
	}
	if !strings.Contains(stderr, "Container shop-web-1  Removed") {
		t.Errorf("wait --down-project printed %q, want the down's progress", stderr)
	}
}

func TestWaitFailure(t *testing.T) {
	h := newHarness(t, shopCompose)
	h.mustRun(0, "up", "-d")
	h.f.Hooks.WaitContainer = func(context.Context, string) error { return fmt.Errorf("boom") }
	if _, stderr := h.mustRun(42, "wait", "web"); !strings.Contains(stderr, "boom") {
		t.Errorf("a failed wait printed %q, want the cause", stderr)
	}
}
