package main

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/fake"
)

func TestUpTwiceChangesNothing(t *testing.T) {
	h := newHarness(t, shopCompose)
	h.mustRun(0, "up", "-d")
	want := map[string]string{"shop-db-1": "running", "shop-web-1": "running"}
	if got := h.containers(); !equalMaps(got, want) {
		t.Fatalf("after up -d got containers %v, want %v", got, want)
	}
	h.f.ResetCalls()
	h.mustRun(0, "up", "-d")
	if m := h.f.Mutations(); len(m) != 0 {
		t.Errorf("second up -d made changes %v, want none", m)
	}
}

func TestUpDryRunMakesNoMutations(t *testing.T) {
	h := newHarness(t, shopCompose)
	stdout, _ := h.mustRun(0, "--dry-run", "up", "-d")
	if m := h.f.Mutations(); len(m) != 0 {
		t.Errorf("up --dry-run made changes %v, want none", m)
	}
	for _, want := range []string{"create container shop-web-1", "create-network network shop_default", "create-volume volume shop_data"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("up --dry-run printed\n%s\nwant it to contain %q", stdout, want)
		}
	}
}

func TestUpUnknownService(t *testing.T) {
	h := newHarness(t, shopCompose)
	code, _, stderr := h.run("up", "-d", "nope")
	if code != 1 || !strings.Contains(stderr, "nope") {
		t.Errorf("up -d nope got exit %d stderr %q, want 1 and a message naming nope", code, stderr)
	}
	if m := h.f.Mutations(); len(m) != 0 {
		t.Errorf("up -d nope made changes %v, want none", m)
	}
}

func TestUpFlagConflicts(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"up", "--force-recreate", "--no-recreate"}, "--force-recreate and --no-recreate are incompatible"},
		{[]string{"up", "--build", "--no-build"}, "--build and --no-build are incompatible"},
		{[]string{"up", "-d", "--abort-on-container-exit"}, "--detach cannot be combined"},
		{[]string{"up", "--wait", "--exit-code-from", "web"}, "--wait cannot be combined"},
		{[]string{"up", "-d", "--exit-code-from", "nope"}, "--detach cannot be combined"},
		{[]string{"up", "--exit-code-from", "nope"}, "--exit-code-from nope: no such service"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			h := newHarness(t, shopCompose)
			code, _, stderr := h.run(tt.args...)
			if code != 1 || !strings.Contains(stderr, tt.want) {
				t.Errorf("berth %v got exit %d stderr %q, want 1 and %q", tt.args, code, stderr, tt.want)
			}
			if m := h.f.Mutations(); len(m) != 0 {
				t.Errorf("berth %v made changes %v, want none", tt.args, m)
			}
		})
	}
}

func TestUpRemoveOrphansFromEnvironment(t *testing.T) {
	withOld := newHarness(t, strings.Replace(shopCompose, "services:\n", "services:\n  old:\n    image: app:latest\n", 1))
	withOld.mustRun(0, "up", "-d")
	// The same engine, now with a compose file that dropped "old".
	h := newHarness(t, shopCompose)
	h.f = withOld.f
	h.mustRun(0, "up", "-d")
	if _, ok := h.containers()["shop-old-1"]; !ok {
		t.Fatalf("up -d without --remove-orphans removed shop-old-1: %v", h.containers())
	}
	h.env["COMPOSE_REMOVE_ORPHANS"] = "1"
	h.mustRun(0, "up", "-d")
	if _, ok := h.containers()["shop-old-1"]; ok {
		t.Errorf("up -d with COMPOSE_REMOVE_ORPHANS=1 kept orphan shop-old-1: %v", h.containers())
	}
}

func TestUpAttachedExitsWhenContainersExit(t *testing.T) {
	h := newHarness(t, `
services:
  job:
    image: app:latest
    command: ["exit", "0"]
  check:
    image: app:latest
    command: ["exit", "3"]
`)
	code, stdout, stderr := h.run("up", "--no-color")
	if code != 0 {
		t.Fatalf("up (attached) got exit %d, want 0\n%s%s", code, stdout, stderr)
	}
	for _, want := range []string{"Attaching to check-1, job-1", "job-1 exited with code 0", "check-1 exited with code 3"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("up (attached) stdout\n%s\nwant it to contain %q", stdout, want)
		}
	}
}

func TestUpExitCodeFrom(t *testing.T) {
	h := newHarness(t, `
services:
  check:
    image: app:latest
    command: ["exit", "3"]
  server:
    image: app:latest
`)
	code, stdout, stderr := h.run("up", "--exit-code-from", "check")
	if code != 3 {
		t.Fatalf("up --exit-code-from check got exit %d, want 3\n%s%s", code, stdout, stderr)
	}
	if !strings.Contains(stderr, "Aborting on container exit...") {
		t.Errorf("up --exit-code-from stderr %q, want it to say Aborting on container exit...", stderr)
	}
	if got := h.containers()["shop-server-1"]; got != "exited" {
		t.Errorf("after abort shop-server-1 is %q, want exited", got)
	}
}

func TestUpAttachedInterruptStopsGracefully(t *testing.T) {
	h := newHarness(t, shopCompose)
	var once sync.Once
	attached := make(chan struct{})
	h.f.Hooks.Logs = func(context.Context, string, engine.LogOptions) error {
		once.Do(func() { close(attached) })
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-attached:
			cancel()
		case <-time.After(10 * time.Second):
		}
	}()
	code, stdout, stderr := h.runCtx(ctx, "-f", h.file, "-p", "shop", "up")
	if code != exitInterrupted {
		t.Fatalf("interrupted up got exit %d, want %d\n%s%s", code, exitInterrupted, stdout, stderr)
	}
	if !strings.Contains(stderr, "Gracefully stopping... (press Ctrl+C again to force)") {
		t.Errorf("interrupted up stderr %q, want the graceful stop notice", stderr)
	}
	want := map[string]string{"shop-db-1": "exited", "shop-web-1": "exited"}
	if got := h.containers(); !equalMaps(got, want) {
		t.Errorf("after interrupted up got containers %v, want %v", got, want)
	}
}

func TestUpWait(t *testing.T) {
	h := newHarness(t, shopCompose)
	_, stderr := h.mustRun(0, "up", "--wait")
	if !strings.Contains(stderr, "Container shop-web-1  Running") {
		t.Errorf("up --wait stderr\n%s\nwant a Running line for shop-web-1", stderr)
	}
}

// TestUpWaitFails: --wait fails on a container that turns unhealthy or
// exits with an error, once, naming the service and why.
func TestUpWaitFails(t *testing.T) {
	tests := []struct {
		name    string
		compose string
		want    string
	}{
		{"unhealthy", "services:\n  db:\n    image: app:latest\n    healthcheck: {test: [\"CMD\", \"true\"]}\n",
			`berth: service "db": container shop-db-1 is unhealthy: probe failed`},
		{"exited", "services:\n  job:\n    image: app:latest\n    command: [\"exit\", \"4\"]\n",
			`berth: service "job": container shop-job-1 exited with code 4`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, tt.compose)
			h.f = fake.New().
				WithImage(engine.Image{Tags: []string{"app:latest"}}).
				WithStartHealth(func(engine.ContainerSpec) (string, []string) { return "unhealthy", []string{"probe failed"} }).
				Build()
			code, _, stderr := h.run("--progress", "plain", "up", "--wait")
			var final []string
			for _, line := range strings.Split(stderr, "\n") {
				if strings.HasPrefix(line, "berth: ") {
					final = append(final, line)
				}
			}
			if code != 1 || len(final) != 1 || final[0] != tt.want {
				t.Errorf("up --wait (%s) got exit %d, messages %q, want 1 and [%q]\nstderr:\n%s", tt.name, code, final, tt.want, stderr)
			}
		})
	}
}

func TestCreateDoesNotStart(t *testing.T) {
	h := newHarness(t, shopCompose)
	h.mustRun(0, "create")
	want := map[string]string{"shop-db-1": "created", "shop-web-1": "created"}
	if got := h.containers(); !equalMaps(got, want) {
		t.Errorf("after create got containers %v, want %v", got, want)
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if bv, ok := b[k]; !ok || bv != v {
			return false
		}
	}
	return true
}

// TestUpWritesInlineConfigsUnderRuntimeDir checks where up writes the
// content of an inline config: in the user's runtime directory, private to
// them, and gone after down.
func TestUpWritesInlineConfigsUnderRuntimeDir(t *testing.T) {
	h := newHarness(t, `
services:
  web:
    image: app:latest
    configs: [app_conf]
configs:
  app_conf:
    content: "level=debug"
`)
	h.mustRun(0, "up", "-d")
	dir := filepath.Join(h.env["XDG_RUNTIME_DIR"], "berth", "berth-shop")
	var found []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if b, rerr := os.ReadFile(path); rerr == nil && string(b) == "level=debug" {
				found = append(found, path)
			}
		}
		return err
	})
	if err != nil || len(found) != 1 {
		t.Fatalf("after up -d, files holding the config under %s: %v (walk error %v), want one", dir, found, err)
	}
	h.mustRun(0, "down")
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("after down, stat %s got %v, want it removed", dir, err)
	}
}

// upCached brings shop up with berth's project cache on, so that the next
// load after an edit is spliced and names the edited services.
func upCached(t *testing.T) *harness {
	t.Helper()
	h := newHarness(t, shopCompose)
	h.env["XDG_CACHE_HOME"] = t.TempDir()
	h.mustRun(0, "up", "-d")
	return h
}

// editWeb gives web an environment in the harness's compose file, as a
// user's edit of one service, and returns the file's new content.
func (h *harness) editWeb() string {
	h.t.Helper()
	edited := strings.Replace(shopCompose, "    depends_on: [db]\n", "    depends_on: [db]\n    environment: {MODE: fast}\n", 1)
	h.writeCompose(edited)
	return edited
}

func (h *harness) writeCompose(content string) {
	h.t.Helper()
	if err := os.WriteFile(h.file, []byte(content), 0o644); err != nil {
		h.t.Fatal(err)
	}
}

// TestUpAfterEditStopsEarly edits web and runs up: the load names web as
// edited, so web's old container begins to stop before up has listed the
// project. The list waits for that stop; without it, it fails after a
// timeout. A second edit to an image the engine does not have makes the up
// fail after the early stop, which must leave the old container running.
func TestUpAfterEditStopsEarly(t *testing.T) {
	h := upCached(t)
	old, db := h.containerID("shop-web-1"), h.containerID("shop-db-1")

	stopping := make(chan struct{})
	var once sync.Once
	h.f.Hooks.StopContainer = func(_ context.Context, id string, _ *time.Duration) error {
		if id == old {
			once.Do(func() { close(stopping) })
		}
		return nil
	}
	h.f.Hooks.Containers = func(ctx context.Context, _ string) error {
		select {
		case <-stopping:
			return nil
		case <-time.After(10 * time.Second):
			return errors.New("the project was listed before web's stop began")
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	edited := h.editWeb()
	h.mustRun(0, "up", "-d")
	h.f.Hooks = fake.Hooks{}
	if now := h.containerID("shop-web-1"); now == old {
		t.Errorf("after the edit shop-web-1 is still %.12s, want a new container", old)
	}
	if now := h.containerID("shop-db-1"); now != db {
		t.Errorf("after the edit shop-db-1 got %.12s, want unchanged %.12s", now, db)
	}
	want := map[string]string{"shop-db-1": "running", "shop-web-1": "running"}
	if got := h.containers(); !equalMaps(got, want) {
		t.Fatalf("after the edit got containers %v, want %v", got, want)
	}

	old = h.containerID("shop-web-1")
	missing := strings.Replace(edited, "    image: app:latest\n    depends_on", "    image: app:missing\n    depends_on", 1)
	h.writeCompose(missing)
	h.f.ResetCalls()
	if code, _, stderr := h.run("up", "-d"); code == 0 {
		t.Fatalf("up -d with a missing image got exit 0, want a failure\n%s", stderr)
	}
	var calls []string
	for _, c := range h.f.Mutations() {
		calls = append(calls, c.Method)
	}
	if !slices.Equal(calls, []string{"StopContainer", "PullImage", "StartContainer"}) {
		t.Errorf("failed up made changes %v, want web's early stop, the failed pull and the stop's undoing", calls)
	}
	if got := h.containers(); !equalMaps(got, want) || h.containerID("shop-web-1") != old {
		t.Errorf("after the failed up got containers %v (web %.12s), want %v with web %.12s", got, h.containerID("shop-web-1"), want, old)
	}
}

// TestUpDryRunAfterEditStopsNothing: a dry run prints the plan and never
// stops early, edited services or not.
func TestUpDryRunAfterEditStopsNothing(t *testing.T) {
	h := upCached(t)
	h.editWeb()
	h.f.ResetCalls()
	h.mustDryRun("recreate container shop-web-1", "--dry-run", "up", "-d")
}

// TestUpBadFlagsAfterEditStopNothing: a wrong flag fails the up before
// anything changes, after an edit too: an --exit-code-from naming no
// service, which is checked against the loaded project, and a wrong
// --progress or --ansi, which matter only once the plan is applied.
func TestUpBadFlagsAfterEditStopNothing(t *testing.T) {
	h := upCached(t)
	h.editWeb()
	h.f.ResetCalls()
	for _, args := range [][]string{
		{"up", "--exit-code-from", "nope"},
		{"--progress", "bogus", "up", "-d"},
		{"--ansi", "bogus", "up", "-d"},
	} {
		_, stderr := h.mustRun(1, args...)
		if !strings.Contains(stderr, args[1]) {
			t.Errorf("berth %v printed %q, want it to name %s", args, stderr, args[1])
		}
		if m := h.f.Mutations(); len(m) != 0 {
			t.Errorf("berth %v after an edit made changes %v, want none", args, m)
		}
	}
}
