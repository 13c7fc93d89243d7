// Package testimage builds the images berth's integration tests run, locally
// and without a registry.
//
// [Ensure] gives "berth-test:latest": the static program in ./prog packed
// FROM scratch, with the binary at /berth-test as the entrypoint (see that
// program's doc for its subcommands). [EnsureShell] gives
// "berth-busybox:latest" for tests that need `sh -c` or CMD-SHELL. [Build]
// packs any static Go program the same way, for examples and benchmarks.
//
// Each image is built at most once per test process and not at all when the
// local image already carries the hash of its inputs in [HashLabel], so the
// cost after the first run is one `docker image inspect`.
//
// Tests that call Ensure need a Docker daemon: when none answers they are
// skipped, unless the environment variable CI is non-empty, in which case
// they fail, so that CI cannot silently run without integration tests.
package testimage

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	// Ref is the image Ensure builds.
	Ref = "berth-test:latest"
	// ShellRef is the image EnsureShell builds.
	ShellRef = "berth-busybox:latest"
	// Entrypoint is the test program's path inside Ref.
	Entrypoint = "/berth-test"
	// Busybox is where Debian's busybox-static installs the binary.
	Busybox = "/bin/busybox"
)

// errNoDaemon marks "Docker is not there" as opposed to "the build failed":
// the first skips a test locally, the second always fails it.
var errNoDaemon = errors.New("docker daemon unreachable")

// These run their build once per process: many tests in one package call
// Ensure, possibly in parallel, and the answer cannot change while the
// process runs. They are the package's only state, written once.
var (
	progOnce  = sync.OnceValue(func() error { return withTimeout(ensureProg) })
	shellOnce = sync.OnceValue(func() error { return withTimeout(ensureShell) })
)

// Ensure builds Ref once per process if needed and returns it.
func Ensure(t testing.TB) string {
	t.Helper()
	check(t, progOnce())
	return Ref
}

// EnsureShell builds ShellRef from the host's /bin/busybox once per process
// if needed and returns it.
func EnsureShell(t testing.TB) string {
	t.Helper()
	if _, err := os.Stat(Busybox); err != nil {
		t.Fatalf("testimage: %s is missing; it is needed to build %s: install it with `apt-get install busybox-static`", Busybox, ShellRef)
	}
	check(t, shellOnce())
	return ShellRef
}

// RequireDocker skips (or, under CI, fails) t when no Docker daemon answers.
func RequireDocker(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	check(t, ping(ctx))
}

func check(t testing.TB, err error) {
	t.Helper()
	switch {
	case err == nil:
	case errors.Is(err, errNoDaemon) && os.Getenv("CI") == "":
		t.Skipf("testimage: %v (set CI=1 to make this a failure)", err)
	default:
		t.Fatalf("testimage: %v", err)
	}
}

func withTimeout(f func(context.Context) error) error {
	// Generous: a cold Go build cache on two shared cores can take a while.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	return f(ctx)
}

func ensureProg(ctx context.Context) error {
	if err := ping(ctx); err != nil {
		return err
	}
	dir, err := progDir(ctx)
	if err != nil {
		return err
	}
	return build(ctx, dir, Ref, strings.TrimPrefix(Entrypoint, "/"))
}

func ensureShell(ctx context.Context) error {
	if err := ping(ctx); err != nil {
		return err
	}
	return buildShell(ctx, Busybox, ShellRef)
}

// ping asks the daemon for its API version through the docker CLI, which
// honours DOCKER_HOST and contexts the same way the builds below do.
func ping(ctx context.Context) error {
	out, err := exec.CommandContext(ctx, "docker", "version", "--format", "{{.Server.APIVersion}}").CombinedOutput()
	if err != nil {
		if errors.Is(err, exec.ErrNotFound) {
			return fmt.Errorf("%w: the docker CLI is not installed", errNoDaemon)
		}
		return fmt.Errorf("%w: docker version: %v: %s", errNoDaemon, err, strings.TrimSpace(string(out)))
	}
	return nil
}
