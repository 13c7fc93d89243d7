// Package itest is what the integration test packages (integration,
// integration/native and integration/swarm) share: building berth,
// skipping or failing when the machine lacks what they need, naming
// projects, and waiting for state reached asynchronously.
package itest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/berthbuild"
)

// Unavailable says on stderr that the machine lacks what pkg's tests need
// (why) and returns TestMain's exit code: 0, skipping every test, unless
// CI is set, where a missing daemon or tool must fail the job instead.
func Unavailable(pkg string, why error) int {
	if os.Getenv("CI") != "" {
		fmt.Fprintf(os.Stderr, "%s: %v\nCI is set, so this is a failure: provide it or unset CI to skip.\n", pkg, why)
		return 1
	}
	fmt.Fprintf(os.Stderr, "%s: skipping all tests: %v (set CI=1 to make this a failure)\n", pkg, why)
	return 0
}

// Build builds berth (berthbuild.Build) from the module the test runs in
// into a new temporary directory named after pattern (as os.MkdirTemp
// takes it). It returns the front's path, the module's root, and remove,
// which removes the directory once the tests are done.
func Build(ctx context.Context, pattern string) (bin, moduleRoot string, remove func(), err error) {
	gomod, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", "", nil, fmt.Errorf("go env GOMOD: %w", err)
	}
	moduleRoot = filepath.Dir(strings.TrimSpace(string(gomod)))
	dir, err := os.MkdirTemp("", pattern)
	if err != nil {
		return "", "", nil, err
	}
	if bin, err = berthbuild.Build(ctx, moduleRoot, dir); err != nil {
		os.RemoveAll(dir)
		return "", "", nil, fmt.Errorf("build berth: %w", err)
	}
	return bin, moduleRoot, func() { os.RemoveAll(dir) }, nil
}

// WatchSources makes go test's result cache notice changes to berth: the
// binary under test comes from `go build`, which the cache cannot see, so
// a run after editing berth would otherwise report the old result as
// "(cached)". go test reruns a test when a file it stat'ed changes, so
// this stats every file of the module under root. Call it during the
// tests, once per process: TestMain's own file accesses are not recorded.
func WatchSources(root string) error {
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && (d.Name() == ".git" || d.Name() == "bin"):
			return filepath.SkipDir
		case d.Type().IsRegular():
			_, err = os.Stat(p)
		}
		return err
	})
}

var nonName = regexp.MustCompile(`[^a-z0-9]+`)

// ProjectName turns the test's name into a valid project name unique to
// the run: prefix, then the name lowercased with every run of other
// characters as one '-', cut to max bytes, then a random suffix.
func ProjectName(t testing.TB, prefix string, max int) string {
	name := nonName.ReplaceAllString(strings.ToLower(t.Name()), "-")
	name = strings.Trim(strings.TrimPrefix(name, "test"), "-")
	if len(name) > max {
		name = name[:max]
	}
	b := make([]byte, 3)
	rand.Read(b) // never fails (crypto/rand documents it)
	return prefix + name + "-" + hex.EncodeToString(b)
}

// Eventually retries f until it succeeds, failing the test with f's last
// error once timeout has passed: for state berth or the daemon reaches on
// its own (a restart, a server listening, a healthcheck passing).
func Eventually(t testing.TB, timeout time.Duration, what string, f func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s: %v", what, timeout, err)
		}
		time.Sleep(250 * time.Millisecond)
	}
}
