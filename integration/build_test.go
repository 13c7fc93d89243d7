package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// buildStack is a project whose service app is built FROM the local test
// image, with a file copied in so that editing it changes the image.
func buildStack(t *testing.T) *stack {
	t.Helper()
	s := newStack(t, `
services:
  app:
    build: ./app
  other:
    image: @IMAGE@
`)
	if err := os.Mkdir(filepath.Join(s.dir, "app"), 0o755); err != nil {
		t.Fatal(err)
	}
	// The label gives each test a build cache of its own: tests that run
	// at once with the same steps would otherwise share intermediate
	// images, and one test's image rm could take the other's cache.
	s.write("app/Dockerfile", "FROM @IMAGE@\nLABEL berth.test.project="+s.project+"\nCOPY data.txt /data.txt\nARG FLAVOUR=plain\nRUN [\"/berth-test\", \"print\", \"built\"]\n")
	s.write("app/data.txt", "one\n")
	// Images are not the project's containers, networks or volumes: down
	// -v leaves them, so they go here.
	s.afterDown = append(s.afterDown, func() { _, _ = docker("image", "rm", "-f", s.project+"-app") })
	return s
}

// TestUpBuildKeepsUnchangedContainer: a second up --build over unchanged
// sources leaves the container alone, as compose does; an edit of the
// build context recreates it.
func TestUpBuildKeepsUnchangedContainer(t *testing.T) {
	t.Parallel()
	s := buildStack(t)
	s.mustBerth("up", "-d", "--build")
	first := s.wantRunning(s.name("app", 1), s.name("other", 1))

	r := s.mustBerth("up", "-d", "--build")
	second := s.wantRunning(s.name("app", 1), s.name("other", 1))
	if second[s.name("app", 1)] != first[s.name("app", 1)] {
		t.Errorf("second up --build over unchanged sources replaced app's container (%.12s → %.12s), want it kept\n%v",
			first[s.name("app", 1)], second[s.name("app", 1)], r)
	}

	s.write("app/data.txt", "two\n")
	s.mustBerth("up", "-d", "--build")
	third := s.wantRunning(s.name("app", 1), s.name("other", 1))
	if third[s.name("app", 1)] == second[s.name("app", 1)] {
		t.Errorf("up --build after editing the build context kept app's container %.12s, want a new one", second[s.name("app", 1)])
	}
	if third[s.name("other", 1)] != first[s.name("other", 1)] {
		t.Errorf("up --build replaced other's container, which is not built; want it kept")
	}
	if got, err := s.exec(s.name("app", 1), "cat", "/data.txt"); err != nil || strings.TrimSpace(got) != "two" {
		t.Errorf("app's /data.txt after the rebuild got %q (%v), want two", got, err)
	}
}

// TestBuildCommand: berth build builds the services with a build section
// through the engine's builder, reuses its cache unless --no-cache, passes
// --build-arg, and creates no container.
func TestBuildCommand(t *testing.T) {
	t.Parallel()
	s := buildStack(t)
	s.write("app/Dockerfile", "FROM @IMAGE@\nLABEL berth.test.project="+s.project+"\nCOPY data.txt /data.txt\nARG FLAVOUR=plain\nLABEL flavour=$FLAVOUR\n")
	r := s.mustBerth("build")
	if !strings.Contains(r.stderr, "Successfully built") {
		t.Errorf("berth build printed no build output\n%v", r)
	}
	image := s.project + "-app"
	first := mustDocker(t, "image", "inspect", "-f", "{{.Id}}", image)
	if got := s.containers(); len(got) != 0 {
		t.Errorf("berth build created containers %v, want none", got)
	}

	if r := s.mustBerth("build", "-q", "app"); r.stdout+r.stderr != "" {
		t.Errorf("berth build -q printed output\n%v", r)
	}
	if again := mustDocker(t, "image", "inspect", "-f", "{{.Id}}", image); again != first {
		t.Errorf("berth build over unchanged sources gave image %.19s, want the cached %.19s", again, first)
	}
	s.mustBerth("build", "--no-cache", "--build-arg", "FLAVOUR=spicy")
	if got := mustDocker(t, "image", "inspect", "-f", `{{index .Config.Labels "flavour"}}`, image); got != "spicy" {
		t.Errorf("berth build --build-arg FLAVOUR=spicy gave label flavour=%q, want spicy", got)
	}
	if r := s.mustBerth("build", "other"); strings.Contains(r.stderr, "Successfully built") {
		t.Errorf("berth build other (no build section) built something\n%v", r)
	}
}
