package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestPortAll(t *testing.T) {
	h := newHarness(t, `
services:
  web:
    image: app:latest
    ports: ["127.0.0.1:8080:80", "9090:90/udp"]
    expose: ["7000"]
  api:
    image: app:latest
    ports: ["8000-8001:80-81"]
  db:
    image: app:latest
`)
	h.mustRun(0, "up", "-d")
	h.mustRun(0, "run", "-d", "api")
	stdout, _ := h.mustRun(0, "port", "--all", "--format", "json")
	goldenFile(t, filepath.Join("testdata", "port", "all.json.golden"), stdout)
	stdout, _ = h.mustRun(0, "port", "--all")
	goldenFile(t, filepath.Join("testdata", "port", "all.table.golden"), stdout)

	stdout, _ = h.mustRun(0, "port", "--all", "--format", "json", "db", "web")
	if strings.Contains(stdout, `"api"`) || !strings.Contains(stdout, `"web"`) {
		t.Errorf("port --all db web printed %s, want web's ports alone", stdout)
	}
	// The existing form is unchanged beside it.
	if stdout, _ = h.mustRun(0, "port", "web", "80"); stdout != "127.0.0.1:8080\n" {
		t.Errorf("port web 80 printed %q", stdout)
	}
	for _, tt := range []struct {
		args   []string
		stderr string
	}{
		{[]string{"port", "--all", "nope"}, `no such service "nope" in project shop`},
		{[]string{"port", "--all", "--format", "yaml"}, `--format "yaml": use table or json`},
		{[]string{"port", "--all", "--index", "2"}, "--index and --protocol pick one port"},
		{[]string{"port", "--format", "json", "web", "80"}, "--format applies to --all"},
	} {
		if _, stderr := h.mustRun(1, tt.args...); !strings.Contains(stderr, tt.stderr) {
			t.Errorf("berth %v printed %q, want %q", tt.args, stderr, tt.stderr)
		}
	}
	h.mustRun(0, "stop")
	if stdout, _ = h.mustRun(0, "port", "--all", "--format", "json"); stdout != "[]\n" {
		t.Errorf("port --all of a stopped project printed %q, want []", stdout)
	}
}

func TestUpEphemeralPorts(t *testing.T) {
	h := newHarness(t, `
services:
  web:
    image: app:latest
    ports: ["127.0.0.1:8080:80", "9090:90/udp", "7000"]
  db:
    image: app:latest
`)
	h.mustRun(0, "up", "-d", "--ephemeral-ports")
	spec, err := h.f.Spec(h.containerID("shop-web-1"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range spec.Service.Ports {
		got = append(got, p.HostIP+":"+p.Published+":"+p.Protocol)
	}
	if diff := cmp.Diff([]string{"127.0.0.1::tcp", "::udp", "::tcp"}, got); diff != "" {
		t.Errorf("up --ephemeral-ports created web with ports (-want +got):\n%s", diff)
	}
	// The rewrite is the same every time: a second up changes nothing.
	h.f.ResetCalls()
	h.mustRun(0, "up", "-d", "--ephemeral-ports")
	if m := h.f.Mutations(); len(m) != 0 {
		t.Errorf("a second up --ephemeral-ports made changes %v, want none", m)
	}
	// Ports are in the config hash, as in compose: without the flag, the
	// service with fixed ports is recreated and the other left alone.
	h.mustDryRun("web", "--dry-run", "up", "-d")
	stdout, _ := h.mustRun(0, "--dry-run", "up", "-d")
	if strings.Contains(stdout, "db") {
		t.Errorf("up without --ephemeral-ports plans for db, which has no ports:\n%s", stdout)
	}
}

// goldenFile compares got with the file at path, rewriting it under -update.
func goldenFile(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v (run go test -update to create it)", path, err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
	}
}
