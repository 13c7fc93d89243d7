package native

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestShop runs the shop demo (examples/shop) on the native engine: its
// images built on docker with `berth build`, saved and loaded, then up,
// one request through front -> app -> db on the published port, and down.
func TestShop(t *testing.T) {
	t.Parallel()
	s := newStack(t, "")
	src := filepath.Join(moduleRoot, "examples", "shop")
	for _, f := range []string{"compose.yaml", "Dockerfile", "app.env", ".env", ".dockerignore"} {
		b, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			t.Fatal(err)
		}
		s.write(f, string(b))
	}
	gobuild := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", filepath.Join(s.dir, "bin", "shop"), "./examples/shop")
	gobuild.Dir = moduleRoot
	gobuild.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := gobuild.CombinedOutput(); err != nil {
		t.Fatalf("build the shop: %v\n%s", err, out)
	}
	port := freePort(t)
	s.env = []string{fmt.Sprintf("SHOP_PORT=%d", port)}

	var images []string
	for _, svc := range []string{"front", "app", "db"} {
		images = append(images, s.project+"-"+svc)
	}
	t.Cleanup(func() {
		if _, err := docker(append([]string{"rmi", "-f"}, images...)...); err != nil {
			t.Logf("cleanup: %v", err)
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), berthTimeout)
	defer cancel()
	start := time.Now()
	if r := runCmd(berthCommand(ctx, s.dir, s.env, "--engine", "docker", "-p", s.project, "build")); r.code != 0 {
		t.Fatalf("build on docker: %v", r)
	}
	archive := filepath.Join(t.TempDir(), "shop.tar")
	if _, err := docker(append([]string{"save", "-o", archive}, images...)...); err != nil {
		t.Fatal(err)
	}
	if r := runCmd(berthCommand(ctx, s.dir, nil, "--engine", "native", "image", "load", "-i", archive)); r.code != 0 {
		t.Fatalf("image load: %v", r)
	}
	t.Logf("build on docker, save and load: %s", time.Since(start).Round(time.Millisecond))

	start = time.Now()
	s.mustBerth("up", "-d")
	t.Logf("up -d: %s", time.Since(start).Round(time.Millisecond))
	s.wantStates(map[string]string{"front": "running", "app": "running", "db": "running"})
	s.wantKernel()
	wantBody(t, fmt.Sprintf("http://127.0.0.1:%d/", port), "Welcome to the berth shop!", "counted by db")

	start = time.Now()
	s.mustBerth("down")
	t.Logf("down: %s", time.Since(start).Round(time.Millisecond))
	volume := s.project + "_data"
	var left []string
	for _, l := range s.trace.leftovers() {
		if !strings.HasPrefix(l, "volume "+volume+":") {
			left = append(left, l)
		}
	}
	if len(left) > 0 {
		t.Errorf("down left:\n  %s", strings.Join(left, "\n  "))
	}
}
