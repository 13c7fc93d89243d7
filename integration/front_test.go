package integration

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestFrontHandsOff checks the split of `make build` (loader/front.go):
// the front serves a cached project on its own and replaces itself with
// berth-full for anything else. To tell the two apart, berth-full is then
// swapped for a script of the same size and modification time, which the
// cache key cannot tell from the real one: a hit must not run it, a miss
// must.
func TestFrontHandsOff(t *testing.T) {
	bin := t.TempDir()
	front, full := filepath.Join(bin, "berth"), filepath.Join(bin, "berth-full")
	copyFile(t, berthBin, front)
	dir, cache := t.TempDir(), t.TempDir()
	compose := "services:\n  web:\n    image: example/app\n  db:\n    image: example/app\n"
	if err := os.WriteFile(filepath.Join(dir, "compose.yaml"), []byte(compose), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(stdin string, args ...string) result {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), berthTimeout)
		defer cancel()
		cmd := exec.CommandContext(ctx, front, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "XDG_CACHE_HOME="+cache, "BERTH_NO_CACHE=")
		cmd.Stdin = strings.NewReader(stdin)
		return runCmd(cmd, append([]string{"berth"}, args...))
	}

	r := run("", "config", "--services")
	if r.code == 0 || !strings.Contains(r.stderr, full) {
		t.Fatalf("without berth-full, an uncached load must fail naming %s; got %v", full, r)
	}

	copyFile(t, filepath.Join(filepath.Dir(berthBin), "berth-full"), full)
	if r := run("", "config", "--services"); r.code != 0 || r.stdout != "db\nweb\n" {
		t.Fatalf("the first load, handed to berth-full, got %v", r)
	}
	fromStdin := "services:\n  solo:\n    image: example/app\n"
	if r := run(fromStdin, "-f", "-", "config", "--services"); r.code != 0 || r.stdout != "solo\n" {
		t.Fatalf("-f - must reach berth-full with standard input unread; got %v", r)
	}

	impostor(t, full, 42)
	if r := run("", "config", "--services"); r.code != 0 || r.stdout != "db\nweb\n" {
		t.Fatalf("a cached project must be served by the front alone; got %v", r)
	}
	if err := os.WriteFile(filepath.Join(dir, "compose.yaml"), []byte(compose+"  cache:\n    image: example/app\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := run("", "config", "--services"); r.code != 42 {
		t.Fatalf("after an edit the front must hand the command to berth-full (here a script exiting 42); got %v", r)
	}
}

// TestNativeHandOff checks the third executable of `make build`: berth-full
// has no native engine (cmd/berth/native_absent.go) and hands commands on
// it to berth-native, and the front hands its uncached loads on that engine
// to berth-native directly. berth-native keys the cache on berth-full, so
// that what it stores, the front serves. Impostors (see TestFrontHandsOff)
// tell the executables apart.
func TestNativeHandOff(t *testing.T) {
	bin := t.TempDir()
	front, full, native := filepath.Join(bin, "berth"), filepath.Join(bin, "berth-full"), filepath.Join(bin, "berth-native")
	built := filepath.Dir(berthBin)
	copyFile(t, berthBin, front)
	copyFile(t, filepath.Join(built, "berth-full"), full)
	dir, cache := t.TempDir(), t.TempDir()
	compose := "services:\n  web:\n    image: example/app\n  db:\n    image: example/app\n"
	edit := func(extra string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, "compose.yaml"), []byte(compose+extra), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run := func(exe string, args ...string) result {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), berthTimeout)
		defer cancel()
		cmd := exec.CommandContext(ctx, exe, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "XDG_CACHE_HOME="+cache, "BERTH_NO_CACHE=", "BERTH_ENGINE=")
		return runCmd(cmd, append([]string{filepath.Base(exe)}, args...))
	}
	edit("")

	for _, exe := range []string{full, front} {
		r := run(exe, "--engine", "native", "config", "--services")
		if r.code == 0 || !strings.Contains(r.stderr, native) {
			t.Fatalf("%s --engine native without berth-native must fail naming %s; got %v", filepath.Base(exe), native, r)
		}
	}
	if r := run(full, "config", "--services"); r.code != 0 || r.stdout != "db\nweb\n" {
		t.Fatalf("berth-full on dockerd must not need berth-native; got %v", r)
	}

	copyFile(t, filepath.Join(built, "berth-native"), native)
	impostor(t, full, 42)
	edit("  cache:\n    image: example/app\n")
	if r := run(front, "--engine", "native", "config", "--services"); r.code != 0 || r.stdout != "cache\ndb\nweb\n" {
		t.Fatalf("an uncached load on the native engine must go from the front to berth-native, not berth-full (a script exiting 42); got %v", r)
	}
	if r := run(front, "config", "--services"); r.code != 0 || r.stdout != "cache\ndb\nweb\n" {
		t.Fatalf("what berth-native loaded must be cached for the front; got %v", r)
	}
	edit("  queue:\n    image: example/app\n")
	if r := run(front, "config", "--services"); r.code != 42 {
		t.Fatalf("an uncached load on dockerd must go to berth-full (a script exiting 42); got %v", r)
	}
}

// impostor replaces the executable at path with a shell script that exits
// with code, padded to the same size and given the same modification time.
func impostor(t *testing.T, path string, code int) {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	script := []byte(fmt.Sprintf("#!/bin/sh\nexit %d\n#", code))
	if int64(len(script)) > st.Size() {
		t.Fatalf("%s is too small to pad", path)
	}
	script = append(script, bytes.Repeat([]byte{'x'}, int(st.Size())-len(script))...)
	if err := os.WriteFile(path, script, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, st.ModTime(), st.ModTime()); err != nil {
		t.Fatal(err)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	src, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
}
