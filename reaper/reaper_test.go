package reaper

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/fake"
)

// staticExe is a static Linux executable present on berth's test
// machines; any will do, the fake engine runs nothing.
const staticExe = "/bin/busybox"

func needStatic(t *testing.T) {
	t.Helper()
	if _, err := checkExe(staticExe); err != nil {
		// make test checks for /bin/busybox first; under CI a missing one
		// must fail, not pass quietly.
		if os.Getenv("CI") != "" {
			t.Fatalf("no static executable to pack: %v (apt-get install -y busybox-static)", err)
		}
		t.Skipf("no static executable to pack: %v", err)
	}
}

func TestStartAndRelease(t *testing.T) {
	needStatic(t)
	ctx := context.Background()
	f := fake.New().Build()
	opts := Options{Project: "shop", Owner: "host/1/ab", Exe: staticExe, Socket: "/run/docker.sock"}
	l, err := Start(ctx, f, opts)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	leases, _ := f.LeaseContainers(ctx)
	if len(leases) != 1 {
		t.Fatalf("after Start got lease containers %+v, want one", leases)
	}
	c := leases[0]
	if c.Name != "shop-berth-reaper" || c.State != "running" || c.Labels[engine.LabelLease] != "shop" || c.Labels[engine.LabelLeaseOwner] != "host/1/ab" {
		t.Errorf("lease container got %s %s %v", c.Name, c.State, c.Labels)
	}
	if _, ok := c.Labels[engine.LabelProject]; ok {
		t.Errorf("lease container carries the project label: up and down would treat it as the stack's")
	}
	if !strings.HasPrefix(c.Image, ImageRepo+":") {
		t.Errorf("lease container image got %s, want %s:<digest>", c.Image, ImageRepo)
	}

	// A second berth cannot take a live lease.
	if _, err := Start(ctx, f, Options{Project: "shop", Owner: "host/2/cd", Exe: staticExe, Socket: "/s"}); err == nil || !strings.Contains(err.Error(), "host/1/ab") {
		t.Errorf("second Start got %v, want an error naming the holder", err)
	}
	// The image is built once per executable.
	if _, err := Start(ctx, f, Options{Project: "blog", Owner: "host/3/ef", Exe: staticExe, Socket: "/s"}); err != nil {
		t.Fatalf("Start(blog): %v", err)
	}
	builds := 0
	for _, call := range f.Calls() {
		if call.Method == "BuildImage" {
			builds++
		}
	}
	if builds != 1 {
		t.Errorf("two leases built the image %d times, want 1", builds)
	}

	if err := l.Release(ctx); err != nil {
		t.Fatalf("Release: %v", err)
	}
	leases, _ = f.LeaseContainers(ctx)
	if len(leases) != 1 || leases[0].Name != "blog-berth-reaper" {
		t.Errorf("after Release got lease containers %+v, want blog's only", leases)
	}
}

func TestStartReplacesStoppedLease(t *testing.T) {
	needStatic(t)
	ctx := context.Background()
	f := fake.New().WithImage(engine.Image{Tags: []string{"old"}}).WithContainer(engine.Container{
		Name: "shop-berth-reaper", Image: "old", State: "exited",
		Labels: map[string]string{engine.LabelLease: "shop", engine.LabelLeaseOwner: "dead/1/00"}}).Build()
	if _, err := Start(ctx, f, Options{Project: "shop", Owner: "host/1/ab", Exe: staticExe, Socket: "/s"}); err != nil {
		t.Fatalf("Start over a stopped lease: %v", err)
	}
	leases, _ := f.LeaseContainers(ctx)
	if len(leases) != 1 || leases[0].Labels[engine.LabelLeaseOwner] != "host/1/ab" || leases[0].State != "running" {
		t.Errorf("lease containers got %+v, want only the new running one", leases)
	}
}

func TestCheckExe(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "script")
	if err := os.WriteFile(script, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := checkExe(script); err == nil || !strings.Contains(err.Error(), "no Linux executable") {
		t.Errorf("checkExe(script) got %v, want no Linux executable", err)
	}
	if _, err := os.Stat("/bin/ls"); err == nil {
		if _, err := checkExe("/bin/ls"); err == nil || !strings.Contains(err.Error(), "CGO_ENABLED=0") {
			t.Errorf("checkExe(/bin/ls) got %v, want the dynamic-linking error", err)
		}
	}
}

func TestNewOwner(t *testing.T) {
	got, err := NewOwner("ci-host", 42, strings.NewReader("\x01\x02\x03\x04"))
	if err != nil || got != "ci-host/42/01020304" {
		t.Errorf("NewOwner got %q, %v, want ci-host/42/01020304", got, err)
	}
}

func TestWatch(t *testing.T) {
	t.Run("end of input removes", func(t *testing.T) {
		calls := 0
		err := Watch(context.Background(), strings.NewReader("anything"), func(context.Context) error {
			calls++
			if calls < 2 {
				return errors.New("network busy")
			}
			return nil
		})
		if err != nil || calls != 2 {
			t.Errorf("Watch got %v after %d removals, want nil after 2", err, calls)
		}
	})
	t.Run("stopped lease removes nothing", func(t *testing.T) {
		r, w := io.Pipe()
		defer w.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		removed := false
		if err := Watch(ctx, r, func(context.Context) error { removed = true; return nil }); err != nil || removed {
			t.Errorf("Watch with a cancelled context got %v, removed=%t; want nil, false", err, removed)
		}
	})
}
