package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/fake"
	"github.com/berth-dev/berth/reconcile"
)

const runCompose = `
services:
  web:
    image: app:latest
    depends_on: [db]
    ports: ["127.0.0.1:8080:80"]
    environment: {MODE: prod}
  db:
    image: app:latest
`

// oneOffs returns the project's one-off containers.
func (h *harness) oneOffs() []engine.Container {
	h.t.Helper()
	cs, err := h.f.Containers(context.Background(), "shop")
	if err != nil {
		h.t.Fatal(err)
	}
	return slices.DeleteFunc(cs, func(c engine.Container) bool { return c.Labels[engine.LabelOneoff] != "True" })
}

func TestRunExitCodeAndRm(t *testing.T) {
	h := newHarness(t, runCompose)
	h.mustRun(3, "run", "--rm", "web", "exit", "3")
	if got := h.oneOffs(); len(got) != 0 {
		t.Errorf("run --rm left %v", got)
	}
	if got := h.containers()["shop-db-1"]; got != "running" {
		t.Errorf("run left dependency shop-db-1 %q, want running", got)
	}
	if _, ok := h.containers()["shop-web-1"]; ok {
		t.Error("run created shop-web-1, want only the one-off container of web")
	}
}

func TestRunNoDeps(t *testing.T) {
	h := newHarness(t, runCompose)
	h.mustRun(0, "run", "--no-deps", "web", "exit", "0")
	if _, ok := h.containers()["shop-db-1"]; ok {
		t.Error("run --no-deps started db")
	}
}

func TestRunOneOffContainer(t *testing.T) {
	h := newHarness(t, runCompose)
	h.stdin = "typed\n"
	// The fake prints what SetLogs gave a container once it exits; the
	// start hook is the first moment the one-off container exists.
	h.f.Hooks.StartContainer = func(_ context.Context, id string) error {
		return h.f.SetLogs(id, "out\n", "err\n")
	}
	stdout, stderr := h.mustRun(0, "run", "-e", "MODE=test", "-u", "7", "-w", "/w", "--entrypoint", "/bin/x", "-l", "k=v", "web", "exit", "0")
	if !strings.Contains(stdout, "out\n") || !strings.Contains(stderr, "err\n") {
		t.Errorf("run stdout %q stderr %q, want the container's out and err", stdout, stderr)
	}
	got := h.oneOffs()
	if len(got) != 1 {
		t.Fatalf("one-off containers got %v, want one", got)
	}
	c := got[0]
	if !strings.HasPrefix(c.Name, "shop-web-run-") || len(c.Name) != len("shop-web-run-")+12 {
		t.Errorf("name got %s, want shop-web-run-<12 hex>", c.Name)
	}
	if len(c.Labels[reconcile.LabelSlug]) != 64 || !strings.HasPrefix(c.Labels[reconcile.LabelSlug], strings.TrimPrefix(c.Name, "shop-web-run-")) {
		t.Errorf("slug label %q does not match name %s", c.Labels[reconcile.LabelSlug], c.Name)
	}
	spec, err := h.f.Spec(c.ID)
	if err != nil {
		t.Fatal(err)
	}
	s := spec.Service
	if *s.Environment["MODE"] != "test" || s.User != "7" || s.WorkingDir != "/w" || !slices.Equal(s.Entrypoint, []string{"/bin/x"}) || spec.Labels["k"] != "v" {
		t.Errorf("spec got env %v user %q workdir %q entrypoint %v labels %v", s.Environment, s.User, s.WorkingDir, s.Entrypoint, spec.Labels)
	}
	if len(c.Ports) != 0 {
		t.Errorf("plain run published %v, want nothing", c.Ports)
	}
	if in, _ := h.f.Stdin(c.ID); in != "typed\n" {
		t.Errorf("container stdin got %q, want typed (run attaches stdin by default)", in)
	}
}

func TestRunServicePorts(t *testing.T) {
	h := newHarness(t, runCompose)
	h.mustRun(0, "run", "--service-ports", "--name", "ported", "web", "exit", "0")
	h.mustRun(0, "run", "-p", "9090:90", "--name", "published", "web", "exit", "0")
	want := map[string]uint16{"ported": 8080, "published": 9090}
	for _, c := range h.oneOffs() {
		if len(c.Ports) != 1 || c.Ports[0].HostPort != want[c.Name] {
			t.Errorf("%s published %v, want host port %d", c.Name, c.Ports, want[c.Name])
		}
	}
	_, stderr := h.mustRun(1, "run", "--service-ports", "-p", "1:1", "web")
	if !strings.Contains(stderr, "incompatible") {
		t.Errorf("run --service-ports -p stderr %q, want incompatible", stderr)
	}
}

func TestRunDetachPrintsName(t *testing.T) {
	h := newHarness(t, runCompose)
	stdout, _ := h.mustRun(0, "run", "-d", "web")
	got := h.oneOffs()
	if len(got) != 1 || strings.TrimSpace(stdout) != got[0].Name || got[0].State != "running" {
		t.Errorf("run -d printed %q, one-offs %v; want the running container's name", stdout, got)
	}
}

func TestRunInterruptStopsTheContainer(t *testing.T) {
	h := newHarness(t, runCompose)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	h.f.Hooks.AttachContainer = func(context.Context, string) error {
		time.AfterFunc(10*time.Millisecond, cancel)
		return nil
	}
	code, stdout, stderr := h.runCtx(ctx, "-f", h.file, "-p", "shop", "run", "--rm", "web")
	// The fake stops with code 0, which leaves berth's own 130 for the
	// interrupt; a container that dies of the stop ends berth with its code.
	if code != exitInterrupted || len(h.oneOffs()) != 0 {
		t.Errorf("interrupted run got exit %d, one-offs %v; want %d and none\n%s%s", code, h.oneOffs(), exitInterrupted, stdout, stderr)
	}
}

func TestExec(t *testing.T) {
	h := newHarness(t, runCompose+`    deploy: {replicas: 2}
`)
	h.mustRun(0, "up", "-d")
	var got []string
	h.f.SetExec(func(c engine.Container, spec engine.ExecSpec, s engine.Streams) int {
		got = append(got, c.Name+" "+strings.Join(spec.Cmd, " ")+" "+strings.Join(spec.Env, ","))
		io.WriteString(s.Stdout, "hello\n")
		return 5
	})
	h.env["FROM_HOST"] = "h"
	stdout, _ := h.mustRun(5, "exec", "-T", "-e", "A=1", "-e", "FROM_HOST", "db", "ls", "-l")
	h.mustRun(5, "exec", "--index", "2", "db", "true")
	want := []string{"shop-db-1 ls -l A=1,FROM_HOST=h", "shop-db-2 true "}
	if !slices.Equal(got, want) || stdout != "hello\n" {
		t.Errorf("exec ran %q printing %q, want %q printing hello", got, stdout, want)
	}
	_, stderr := h.mustRun(1, "exec", "--index", "3", "db", "true")
	if !strings.Contains(stderr, `service "db" has no running container #3`) {
		t.Errorf("exec --index 3 stderr %q, want it to name the service and index", stderr)
	}
	if stdout, _ := h.mustRun(0, "--dry-run", "exec", "db", "rm", "-rf", "/data"); len(got) != 2 || !strings.Contains(stdout, "shop-db-1") {
		t.Errorf("exec --dry-run printed %q and ran %v, want it to name shop-db-1 and run nothing more", stdout, got)
	}
	h.mustRun(0, "stop", "web")
	_, stderr = h.mustRun(1, "exec", "web", "true")
	if !strings.Contains(stderr, `service "web" is not running`) {
		t.Errorf("exec on a stopped service stderr %q, want it to say web is not running", stderr)
	}
}

func TestUpExitCodeFromAbortedService(t *testing.T) {
	h := newHarness(t, `
services:
  check:
    image: app:latest
    command: ["exit", "3"]
  server:
    image: app:latest
`)
	// server dies of the SIGTERM the abort's stop sends it.
	h.f.Hooks.StopContainer = func(_ context.Context, id string, _ *time.Duration) error {
		c, err := h.f.InspectContainer(context.Background(), id)
		if err == nil && c.State == "running" {
			return h.f.Exit(id, 143)
		}
		return err
	}
	code, stdout, stderr := h.run("up", "--exit-code-from", "server")
	if code != 143 {
		t.Fatalf("up --exit-code-from server got exit %d, want server's 143\n%s%s", code, stdout, stderr)
	}
}

func TestUpAbortOnFailureAndAttach(t *testing.T) {
	h := newHarness(t, `
services:
  ok:
    image: app:latest
    command: ["exit", "0"]
  bad:
    image: app:latest
    command: ["exit", "4"]
  server:
    image: app:latest
`)
	code, stdout, stderr := h.run("up", "--abort-on-container-failure", "--attach", "bad", "--no-color")
	if code != 4 || !strings.Contains(stderr, "Aborting on container exit...") {
		t.Fatalf("up --abort-on-container-failure got exit %d, want 4 and an abort\n%s%s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "Attaching to bad-1\n") || strings.Contains(stdout, "ok-1 exited") {
		t.Errorf("up --attach bad stdout\n%s\nwant only bad-1 attached", stdout)
	}
	_, stderr = h.mustRun(1, "up", "--abort-on-container-exit", "--abort-on-container-failure")
	if !strings.Contains(stderr, "incompatible") {
		t.Errorf("both abort flags stderr %q, want incompatible", stderr)
	}
}

func TestRunDryRunChangesNothing(t *testing.T) {
	h := newHarness(t, runCompose)
	stdout, _ := h.mustRun(0, "--dry-run", "run", "web", "exit", "3")
	if m := h.f.Mutations(); len(m) != 0 {
		t.Errorf("run --dry-run made changes %v", m)
	}
	if !strings.Contains(stdout, "shop-db-1") || !strings.Contains(stdout, "one-off container of service web") {
		t.Errorf("run --dry-run printed\n%s\nwant db's plan and the one-off container", stdout)
	}
}

func TestRunWaitsForHealthyDependencies(t *testing.T) {
	compose := `
services:
  web:
    image: app:latest
    depends_on:
      db: {condition: service_healthy}
  db:
    image: app:latest
    healthcheck: {test: ["CMD", "true"]}
`
	for _, tc := range []struct {
		health string
		code   int
	}{{"healthy", 0}, {"unhealthy", 1}} {
		t.Run(tc.health, func(t *testing.T) {
			h := newHarness(t, compose)
			h.f = fake.New().WithImage(engine.Image{Tags: []string{"app:latest"}}).
				WithStartHealth(func(engine.ContainerSpec) (string, []string) { return tc.health, []string{"probe says " + tc.health} }).Build()
			_, stderr := h.mustRun(tc.code, "run", "--rm", "web", "exit", "0")
			if tc.code != 0 && (!strings.Contains(stderr, `dependency "db"`) || len(h.oneOffs()) != 0) {
				t.Errorf("run with an unhealthy dependency stderr %q, one-offs %v; want the dependency named and no container", stderr, h.oneOffs())
			}
		})
	}
}

func TestRunBuildsAMissingImage(t *testing.T) {
	h := newHarness(t, "services:\n  job:\n    build: .\n")
	if err := os.WriteFile(filepath.Join(filepath.Dir(h.file), "Dockerfile"), []byte("FROM scratch\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	h.mustRun(0, "run", "--rm", "job", "exit", "0")
	var built []string
	for _, c := range h.f.Calls() {
		if c.Method == "BuildImage" || c.Method == "CreateContainer" {
			built = append(built, c.Method)
		}
	}
	if !slices.Equal(built, []string{"BuildImage", "CreateContainer"}) {
		t.Errorf("run of a service whose image is missing called %v, want BuildImage then CreateContainer", built)
	}
}
