package main

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/fake"
)

const registryCompose = `
services:
  web:
    image: reg.example/web:1
    depends_on: [db]
  db:
    image: reg.example/db:1
`

func pulls(f *fake.Engine) []string {
	var out []string
	for _, c := range f.Calls() {
		if c.Method == "PullImage" {
			out = append(out, c.Args[0])
		}
	}
	// Pulls run at once, in any order.
	slices.Sort(out)
	return out
}

// TestUpPullsMissingImages: up pulls what is missing, once, then creates;
// a second up asks no registry.
func TestUpPullsMissingImages(t *testing.T) {
	h := newHarness(t, registryCompose)
	h.f.AddRegistryImage("reg.example/web:1", engine.Image{})
	h.f.AddRegistryImage("reg.example/db:1", engine.Image{})
	_, stderr := h.mustRun(0, "--progress", "plain", "up", "-d")
	if got := strings.Join(pulls(h.f), " "); got != "reg.example/db:1 reg.example/web:1" {
		t.Errorf("up -d pulled %q, want each image once", got)
	}
	if !strings.Contains(stderr, "Image reg.example/web:1  Pulled") || !strings.Contains(stderr, "Pull complete") {
		t.Errorf("up -d progress lacks the pull and its layers:\n%s", stderr)
	}
	want := map[string]string{"shop-db-1": "running", "shop-web-1": "running"}
	if got := h.containers(); !equalMaps(got, want) {
		t.Errorf("after up -d got containers %v, want %v", got, want)
	}
	h.f.ResetCalls()
	h.mustRun(0, "up", "-d")
	if p := pulls(h.f); len(p) != 0 {
		t.Errorf("second up -d pulled %v, want nothing", p)
	}
}

// TestUpPullFailureCreatesNothing: an image the registry lacks fails up
// with exit 1, naming the service, and nothing is created.
func TestUpPullFailureCreatesNothing(t *testing.T) {
	h := newHarness(t, registryCompose)
	h.f.AddRegistryImage("reg.example/db:1", engine.Image{})
	code, _, stderr := h.run("--progress", "plain", "up", "-d")
	if code != exitPullFailure || !strings.Contains(stderr, `berth: service "web": pull reg.example/web:1: manifest for reg.example/web:1 not found`) {
		t.Errorf("up -d got exit %d, stderr:\n%s\nwant 18 and the failed pull of web", code, stderr)
	}
	for _, c := range h.f.Mutations() {
		if c.Method != "PullImage" {
			t.Errorf("failed up made %s, want nothing but pulls", c)
		}
	}
}

// TestUpPullFlag: --pull always re-pulls present images and recreates the
// containers of an image that changed; --pull never refuses a missing one.
func TestUpPullFlag(t *testing.T) {
	h := newHarness(t, registryCompose)
	h.f.AddRegistryImage("reg.example/web:1", engine.Image{ID: "sha256:web1"})
	h.f.AddRegistryImage("reg.example/db:1", engine.Image{ID: "sha256:db1"})
	h.mustRun(0, "up", "-d")
	before := h.containerID("shop-web-1")
	h.f.AddRegistryImage("reg.example/web:1", engine.Image{ID: "sha256:web2"})
	h.f.ResetCalls()
	h.mustRun(0, "up", "-d", "--pull", "always", "--quiet-pull")
	if got := len(pulls(h.f)); got != 2 {
		t.Errorf("up --pull always pulled %d images, want 2", got)
	}
	if h.containerID("shop-web-1") == before {
		t.Error("after pulling a changed web image shop-web-1 was not recreated")
	}

	h2 := newHarness(t, registryCompose)
	code, _, stderr := h2.run("up", "-d", "--pull", "never")
	if code != 1 || !strings.Contains(stderr, `service "db": image "reg.example/db:1" not found locally and --pull never forbids pulling it`) {
		t.Errorf("up --pull never got exit %d, stderr:\n%s", code, stderr)
	}
	if m := h2.f.Mutations(); len(m) != 0 {
		t.Errorf("up --pull never made changes %v, want none", m)
	}
	code, _, stderr = h2.run("up", "-d", "--pull", "sometimes")
	if code != 1 || !strings.Contains(stderr, `invalid --pull option "sometimes"`) {
		t.Errorf("up --pull sometimes got exit %d, stderr:\n%s", code, stderr)
	}
}

// TestPullCommand covers berth pull's flags and exit codes.
func TestPullCommand(t *testing.T) {
	h := newHarness(t, registryCompose)
	h.f.AddRegistryImage("reg.example/web:1", engine.Image{})
	h.f.AddRegistryImage("reg.example/db:1", engine.Image{})

	stdout, stderr := h.mustRun(0, "--progress", "plain", "pull", "web")
	if got := strings.Join(pulls(h.f), " "); got != "reg.example/web:1" {
		t.Errorf("pull web pulled %q, want reg.example/web:1 only", got)
	}
	if stdout != "" || !strings.Contains(stderr, "Image reg.example/web:1  Pulled") {
		t.Errorf("pull web printed stdout %q stderr:\n%s", stdout, stderr)
	}
	h.f.ResetCalls()
	_, stderr = h.mustRun(0, "pull", "-q", "--include-deps", "web")
	if got := strings.Join(pulls(h.f), " "); got != "reg.example/db:1 reg.example/web:1" {
		t.Errorf("pull --include-deps web pulled %q, want db and web", got)
	}
	if stderr != "" {
		t.Errorf("pull -q printed %q, want nothing", stderr)
	}
	h.f.ResetCalls()
	_, stderr = h.mustRun(0, "--progress", "plain", "pull", "--policy", "missing")
	if p := pulls(h.f); len(p) != 0 || !strings.Contains(stderr, "Skipped - Image is already present locally") {
		t.Errorf("pull --policy missing pulled %v, stderr:\n%s\nwant nothing pulled and the skips said", p, stderr)
	}
	if code, _, stderr := h.run("pull", "--policy", "sometimes"); code != 1 || !strings.Contains(stderr, `invalid --policy "sometimes"`) {
		t.Errorf("pull --policy sometimes got exit %d, stderr %q", code, stderr)
	}

	h.f.FailPull("reg.example/db:1", errors.New("unauthorized: authentication required"))
	code, _, stderr := h.run("pull")
	if code != exitPullFailure || !strings.Contains(stderr, `berth: service "db": pull reg.example/db:1: unauthorized`) {
		t.Errorf("pull with a refused image got exit %d, stderr:\n%s", code, stderr)
	}
	if code, _, stderr := h.run("pull", "--ignore-pull-failures"); code != 0 {
		t.Errorf("pull --ignore-pull-failures got exit %d, stderr:\n%s", code, stderr)
	}
}

// TestPullBuildableWarns: a buildable service whose pull fails is a
// warning with compose's advice, not a failure.
func TestPullBuildableWarns(t *testing.T) {
	h := newHarness(t, "services:\n  app:\n    image: reg.example/app:1\n    build: .\n")
	_, stderr := h.mustRun(0, "--progress", "plain", "pull")
	if !strings.Contains(stderr, "WARNING: Some service image(s) must be built from source by running:\n    berth build app") {
		t.Errorf("pull of a buildable missing image printed:\n%s", stderr)
	}
	h.f.ResetCalls()
	h.mustRun(0, "pull", "--ignore-buildable")
	if p := pulls(h.f); len(p) != 0 {
		t.Errorf("pull --ignore-buildable pulled %v, want nothing", p)
	}
}

// TestPushCommand: push sends built images; a failure is exit 1 unless
// ignored.
func TestPushCommand(t *testing.T) {
	h := newHarness(t, "services:\n  app:\n    image: reg.example/app:1\n    build: .\n  db:\n    image: app:latest\n")
	if err := h.f.BuildImage(context.Background(), engine.BuildSpec{Tag: "reg.example/app:1"}, nil); err != nil {
		t.Fatal(err)
	}
	_, stderr := h.mustRun(0, "--progress", "plain", "push")
	if _, ok := h.f.RegistryImage("reg.example/app:1"); !ok {
		t.Errorf("after push the registry lacks reg.example/app:1; stderr:\n%s", stderr)
	}
	if !strings.Contains(stderr, "Image reg.example/app:1  Pushed") || !strings.Contains(stderr, "Service db  Skipped") {
		t.Errorf("push progress:\n%s", stderr)
	}
	h.f.FailPull("reg.example/app:1", errors.New("denied: requested access to the resource is denied"))
	if code, _, stderr := h.run("push", "-q"); code != 1 || !strings.Contains(stderr, `berth: service "app": push reg.example/app:1: denied`) {
		t.Errorf("refused push got exit %d, stderr:\n%s", code, stderr)
	}
	if code, _, stderr := h.run("push", "--ignore-push-failures"); code != 0 {
		t.Errorf("push --ignore-push-failures got exit %d, stderr:\n%s", code, stderr)
	}
}

// TestPushUnbuilt: pushing an image that was never built says to build it.
func TestPushUnbuilt(t *testing.T) {
	h := newHarness(t, "services:\n  app:\n    image: reg.example/app:1\n    build: .\n")
	code, _, stderr := h.run("push")
	if code != 1 || !strings.Contains(stderr, `service "app": push reg.example/app:1: An image does not exist locally with the tag: reg.example/app:1; build it first (berth build app)`) {
		t.Errorf("push of an unbuilt image got exit %d, stderr:\n%s", code, stderr)
	}
}

// TestPlanShowsPulls: plan shows the pulls up would make, --pull included,
// and pulls nothing.
func TestPlanShowsPulls(t *testing.T) {
	h := newHarness(t, "services:\n  app:\n    image: app:latest\n")
	stdout, _ := h.mustRun(0, "plan", "--pull", "always")
	if !strings.Contains(stdout, "pull image app:latest") || !strings.Contains(stdout, "pull-policy: --pull always") {
		t.Errorf("plan --pull always printed:\n%s", stdout)
	}
	if p := pulls(h.f); len(p) != 0 {
		t.Errorf("plan pulled %v", p)
	}
	if stdout, _ := h.mustRun(0, "plan"); strings.Contains(stdout, "pull image") {
		t.Errorf("plan with the image local printed:\n%s", stdout)
	}
}
