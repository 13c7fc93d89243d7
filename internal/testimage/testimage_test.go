package testimage

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestSourceHash(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("main.go", "package main\n")
	base, err := sourceHash(dir, "app")
	if err != nil {
		t.Fatal(err)
	}
	again, _ := sourceHash(dir, "app")
	if again != base {
		t.Errorf("sourceHash(same input) got %s, want %s", again, base)
	}
	if other, _ := sourceHash(dir, "other"); other == base {
		t.Errorf("sourceHash(bin other) got %s, want it to differ from bin app", other)
	}
	write("main.go", "package main // changed\n")
	if changed, _ := sourceHash(dir, "app"); changed == base {
		t.Errorf("sourceHash(after edit) got %s, want a new hash", changed)
	}
	if _, err := sourceHash(t.TempDir(), "app"); err == nil {
		t.Errorf("sourceHash(empty dir) got nil error, want one")
	}
}

func TestParents(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"bin", "bin"},
		{"usr/bin", "usr usr/bin"},
		{"usr/local/sbin", "usr usr/local usr/local/sbin"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			if got := strings.Join(parents(tc.in), " "); got != tc.want {
				t.Errorf("parents(%q) got %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func run(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var o, e bytes.Buffer
	cmd := exec.CommandContext(context.Background(), "docker", args...)
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		t.Fatalf("docker %v: %v", args, err)
	}
	return o.String(), e.String(), code
}

func TestEnsure(t *testing.T) {
	ref := Ensure(t)
	idBefore, _, _ := run(t, "image", "inspect", "--format", "{{.Id}}", ref)

	for _, tc := range []struct {
		name               string
		args               []string
		stdout, stderrPart string
		code               int
	}{
		{name: "print", args: []string{"print", "out", "err"}, stdout: "out\n", stderrPart: "err", code: 0},
		{name: "exit", args: []string{"exit", "3"}, code: 3},
		{name: "health without file passes", args: []string{"health"}, stdout: "ok\n", code: 0},
		{name: "health with missing file fails", args: []string{"health", "/tmp/healthy"}, stderrPart: "unhealthy", code: 1},
		{name: "resolve localhost", args: []string{"resolve", "localhost"}, stdout: "127.0.0.1\n", code: 0},
		{name: "unknown", args: []string{"nope"}, stderrPart: "unknown subcommand", code: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"run", "--rm", "--network", "none", ref}, tc.args...)
			stdout, stderr, code := run(t, args...)
			if code != tc.code {
				t.Errorf("berth-test %v: exit code got %d, want %d (stderr %q)", tc.args, code, tc.code, stderr)
			}
			if tc.stdout != "" && !strings.HasPrefix(stdout, tc.stdout) {
				t.Errorf("berth-test %v: stdout got %q, want prefix %q", tc.args, stdout, tc.stdout)
			}
			if !strings.Contains(stderr, tc.stderrPart) {
				t.Errorf("berth-test %v: stderr got %q, want it to contain %q", tc.args, stderr, tc.stderrPart)
			}
		})
	}

	// A second build of unchanged sources must reuse the image as it is.
	dir, err := progDir(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := build(context.Background(), dir, ref, "berth-test"); err != nil {
		t.Fatal(err)
	}
	if idAfter, _, _ := run(t, "image", "inspect", "--format", "{{.Id}}", ref); idAfter != idBefore {
		t.Errorf("image ID after a rebuild of unchanged sources got %s, want %s", idAfter, idBefore)
	}
}

func TestEnsureShell(t *testing.T) {
	ref := EnsureShell(t)
	stdout, stderr, code := run(t, "run", "--rm", "--network", "none", ref, "sh", "-c", "echo $((1+2)) > /tmp/x && cat /tmp/x")
	if code != 0 || stdout != "3\n" {
		t.Errorf("sh -c in %s got (%q, exit %d, stderr %q), want (\"3\\n\", exit 0)", ref, stdout, code, stderr)
	}
}
