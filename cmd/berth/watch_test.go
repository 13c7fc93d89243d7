package main

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/berth-dev/berth/engine"
)

const watchCompose = `
services:
  web:
    image: app:latest
    develop:
      watch:
        - path: ./src
          action: sync
          target: /app
        - path: ./conf
          action: sync+restart
          target: /etc/web
`

// TestWatch brings the stack up, then syncs an edited file into the
// container, removes there a file deleted on the host, and restarts the
// service for a sync+restart rule.
func TestWatch(t *testing.T) {
	h := newHarness(t, watchCompose)
	dir := filepath.Dir(h.file)
	for _, d := range []string{"src", "conf"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	var execs [][]string
	h.f.SetExec(func(_ engine.Container, spec engine.ExecSpec, _ engine.Streams) int {
		mu.Lock()
		defer mu.Unlock()
		execs = append(execs, spec.Cmd)
		return 0
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	var out, errOut syncBuffer
	go func() {
		done <- run(ctx, h.root(&out, &errOut), []string{"-f", h.file, "-p", "shop", "watch"}, &errOut)
	}()
	defer func() {
		cancel()
		select {
		case code := <-done:
			if code != 130 {
				t.Errorf("watch ended with %d after the interrupt, want 130; stderr:\n%s", code, errOut.String())
			}
		case <-time.After(10 * time.Second):
			t.Error("watch did not end after the interrupt")
		}
	}()

	// The watch begins once the up is done; a file written before that is
	// written again until it arrives, with pauses longer than the quiet
	// period that a batch waits for.
	id := eventuallyID(t, h, "shop-web-1")
	src := filepath.Join(dir, "src", "index.html")
	var last time.Time
	eventuallyTrue(t, "index.html synced", func() bool {
		if time.Since(last) > 2*time.Second {
			if err := os.WriteFile(src, []byte("v1"), 0o644); err != nil {
				t.Fatal(err)
			}
			last = time.Now()
		}
		data, _, err := h.f.ReadFile(id, "/app/index.html")
		return err == nil && string(data) == "v1"
	}, &errOut)

	if err := os.Remove(src); err != nil {
		t.Fatal(err)
	}
	eventuallyTrue(t, "rm of index.html in the container", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return slices.ContainsFunc(execs, func(cmd []string) bool {
			return strings.Join(cmd, " ") == "rm -rf -- /app/index.html"
		})
	})

	h.f.ResetCalls()
	if err := os.WriteFile(filepath.Join(dir, "conf", "web.conf"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	eventuallyTrue(t, "web restarted after a conf change", func() bool {
		var stopped, started bool
		for _, c := range h.f.Calls() {
			stopped = stopped || c.Method == "StopContainer" && c.Args[0] == id
			started = started || stopped && c.Method == "StartContainer" && c.Args[0] == id
		}
		return started
	})
	if data, _, err := h.f.ReadFile(id, "/etc/web/web.conf"); err != nil || string(data) != "x" {
		t.Errorf("/etc/web/web.conf got %q, %v, want \"x\"", data, err)
	}
}

func TestWatchWithoutDevelopSection(t *testing.T) {
	h := newHarness(t, shopCompose)
	code, _, stderr := h.run("watch")
	if code != 1 || !strings.Contains(stderr, "none of the selected services is configured for watch") {
		t.Errorf("watch got %d %q, want 1 and compose's message", code, stderr)
	}
	if m := h.f.Mutations(); len(m) != 0 {
		t.Errorf("watch without rules made changes %v, want none", m)
	}
}

func eventuallyID(t *testing.T, h *harness, name string) string {
	t.Helper()
	var id string
	eventuallyTrue(t, name+" running", func() bool {
		cs, err := h.f.Containers(context.Background(), "shop")
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cs {
			if c.Name == name && c.State == "running" {
				id = c.ID
				return true
			}
		}
		return false
	})
	return id
}

func eventuallyTrue(t *testing.T, what string, cond func() bool, stderr ...*syncBuffer) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			msg := ""
			for _, b := range stderr {
				msg = b.String()
			}
			t.Fatalf("timed out waiting for %s; stderr:\n%s", what, msg)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
