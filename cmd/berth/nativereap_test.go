package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/native"
	"github.com/berth-dev/berth/internal/testimage"
)

// TestNativeReapAfterKill kills `berth --engine native up --reap` with
// SIGKILL once its stack runs: its reaper, a process of the host, removes
// the stack.
func TestNativeReapAfterKill(t *testing.T) {
	var why string
	if os.Geteuid() != 0 {
		why = "the native engine needs root"
	} else if _, err := exec.LookPath("runc"); err != nil {
		why = "the native engine needs runc in PATH"
	}
	if why != "" {
		if os.Getenv("CI") != "" {
			t.Fatal(why)
		}
		t.Skip(why + " (set CI=1 to make this a failure)")
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	root, err := os.MkdirTemp("", "berth-native-reap-")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	project := fmt.Sprintf("nreap%d", os.Getpid())
	env := append(os.Environ(), asBerthEnv+"=1", "BERTH_ROOT="+root, "BERTH_ENGINE=native")
	berth := func(args ...string) *exec.Cmd {
		cmd := exec.Command(self, args...)
		cmd.Env, cmd.Dir = env, dir
		return cmd
	}
	eng, err := native.New(native.Options{Root: root, Exe: self})
	if err != nil {
		os.RemoveAll(root)
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	t.Cleanup(func() { cleanNative(t, eng, project, root) })

	if out, err := berth("image", "load", "-i", testimage.Archive(t)).CombinedOutput(); err != nil {
		t.Fatalf("image load: %v\n%s", err, out)
	}
	compose := fmt.Sprintf("services:\n  web:\n    image: %s\n    command: [sleep]\n", testimage.Ref)
	if err := os.WriteFile(filepath.Join(dir, "compose.yaml"), []byte(compose), 0o644); err != nil {
		t.Fatal(err)
	}
	up := berth("-p", project, "up", "--reap")
	var out bytes.Buffer
	up.Stdout, up.Stderr = &out, &out
	if err := up.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = up.Wait(); close(exited) }()
	t.Cleanup(func() { _ = up.Process.Kill(); <-exited })

	running := func() bool {
		cs, err := eng.Containers(ctx, project)
		return err == nil && len(cs) == 1 && cs[0].State == "running"
	}
	for !running() {
		select {
		case <-exited:
			t.Fatalf("up exited before its stack ran:\n%s", out.String())
		case <-ctx.Done():
			t.Fatalf("the stack did not run: %v\n%s", ctx.Err(), out.String())
		case <-time.After(100 * time.Millisecond):
		}
	}
	leases, err := eng.LeaseContainers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(leases, func(c engine.Container) bool {
		return c.Labels[engine.LabelLease] == project && c.State == "running"
	}) {
		t.Fatalf("no running lease of %s while up runs: %+v", project, leases)
	}

	if err := up.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-exited
	killed := time.Now()
	for {
		cs, err1 := eng.Containers(ctx, project)
		nets, err2 := eng.ProjectNetworks(ctx)
		leases, err3 := eng.LeaseContainers(ctx)
		if err1 == nil && err2 == nil && err3 == nil && len(cs) == 0 &&
			!slices.ContainsFunc(nets, func(n engine.Network) bool { return n.Labels[engine.LabelProject] == project }) &&
			!slices.ContainsFunc(leases, func(c engine.Container) bool { return c.Labels[engine.LabelLease] == project && c.State == "running" }) {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the stack is still there after the kill: containers %+v (%v), networks %+v (%v), leases %+v (%v)", cs, err1, nets, err2, leases, err3)
		case <-time.After(100 * time.Millisecond):
		}
	}
	t.Logf("stack removed %s after the kill", time.Since(killed).Round(time.Millisecond))
}

// cleanNative removes what the test's stack may have left in root, then
// root.
func cleanNative(t *testing.T, eng *native.Engine, project, root string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	failed := false
	check := func(err error) {
		if err != nil {
			failed = true
			t.Errorf("clean up: %v", err)
		}
	}
	leases, err := eng.LeaseContainers(ctx)
	check(err)
	cs, err := eng.Containers(ctx, project)
	check(err)
	for _, c := range append(leases, cs...) {
		check(eng.RemoveContainer(ctx, c.ID, engine.RemoveOptions{Force: true, Volumes: true}))
	}
	nets, err := eng.ProjectNetworks(ctx)
	check(err)
	for _, n := range nets {
		check(eng.RemoveNetwork(ctx, n.ID))
	}
	if failed {
		t.Errorf("left %s in place", root)
		return
	}
	check(os.RemoveAll(root))
}
