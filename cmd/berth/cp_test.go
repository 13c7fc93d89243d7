package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCp: cp copies to every replica of a service, or to the one --index
// names, from the first replica, and refuses what compose refuses.
func TestCp(t *testing.T) {
	h := newHarness(t, "services:\n  web:\n    image: app:latest\n    scale: 2\n")
	h.mustRun(0, "up", "-d")
	dir := filepath.Dir(h.file)
	local := filepath.Join(dir, "note.txt")
	if err := os.WriteFile(local, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := h.f.WriteFile(h.containerID("shop-web-1"), "/srv/.keep", nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := h.f.WriteFile(h.containerID("shop-web-2"), "/srv/.keep", nil, 0o644); err != nil {
		t.Fatal(err)
	}

	_, stderr := h.mustRun(0, "cp", local, "web:/srv/")
	for _, name := range []string{"shop-web-1", "shop-web-2"} {
		if got, _, err := h.f.ReadFile(h.containerID(name), "/srv/note.txt"); err != nil || string(got) != "hello" {
			t.Errorf("cp FILE web:/srv/: %s holds %q (%v), want hello", name, got, err)
		}
		if !strings.Contains(stderr, "Container "+name) {
			t.Errorf("cp FILE web:/srv/ reported\n%s\nwant a line for %s", stderr, name)
		}
	}

	if err := h.f.WriteFile(h.containerID("shop-web-2"), "/srv/only2.txt", []byte("two"), 0o644); err != nil {
		t.Fatal(err)
	}
	h.mustRun(0, "cp", "--index", "2", "web:/srv/only2.txt", filepath.Join(dir, "got.txt"))
	if b, err := os.ReadFile(filepath.Join(dir, "got.txt")); err != nil || string(b) != "two" {
		t.Errorf("cp --index 2 web:/srv/only2.txt got %q (%v), want two", b, err)
	}

	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"cp", "web:/a", "web:/b"}, "copying between services is not supported"},
		{[]string{"cp", "a", "b"}, "name a service"},
		{[]string{"cp", "cache:/a", "b"}, `no container found for service "cache"`},
		{[]string{"cp", "--index", "3", "web:/a", "b"}, `service "web" has no container #3`},
		{[]string{"cp", "web:/nope", filepath.Join(dir, "x")}, "/nope"},
	} {
		code, _, stderr := h.run(tt.args...)
		if code == 0 || !strings.Contains(stderr, tt.want) {
			t.Errorf("berth %s got exit %d, stderr %q; want a failure saying %q", strings.Join(tt.args, " "), code, stderr, tt.want)
		}
	}
	h.f.ResetCalls()
	stdout, _ := h.mustRun(0, "--dry-run", "cp", local, "web:/srv/")
	if m := h.f.Mutations(); len(m) != 0 || !strings.Contains(stdout, "would copy") {
		t.Errorf("cp --dry-run printed %q and made %v, want it to say what it would copy and change nothing", stdout, m)
	}
	for _, c := range h.f.Calls() {
		if c.Method == "CopyToContainer" {
			t.Errorf("cp --dry-run copied: %v", c)
		}
	}
}
