package main

import (
	"context"
	"fmt"
	"os"

	"github.com/berth-dev/berth/internal/lock"
)

// runtimeDir is berth's per-user runtime directory: $XDG_RUNTIME_DIR/berth,
// else berth-<uid> under $TMPDIR (or /tmp), taken from the environment map
// rather than os.TempDir. It holds the project locks, and Apply writes the
// content of inline secrets and configs under it: both must be private to
// the user, which a shared /tmp/berth would not be, and a runtime directory
// is a tmpfs cleared at logout, where secrets belong.
func runtimeDir(environ map[string]string) string {
	return lock.DefaultDir(environ)
}

// lock takes the project lock for a session that changes state, so that two
// berths never observe, decide and apply on the same project at once: the
// second would plan from a snapshot the first is about to invalidate and
// create duplicates. Read-only sessions and --dry-run never lock. Taking it
// again while held does nothing.
func (s *session) lock(ctx context.Context, project string) error {
	if !s.mutates || s.a.g.dryRun || s.release != nil {
		return nil
	}
	release, err := s.a.lockProject(ctx, project)
	if err != nil {
		return err
	}
	s.release = release
	return nil
}

// lockProject takes project's lock, naming this berth in it, and tells the
// user whom they wait for when another berth holds it.
func (a *app) lockProject(ctx context.Context, project string) (func() error, error) {
	who := fmt.Sprintf("berth (pid %d, since %s)", os.Getpid(), a.now().Format("15:04:05"))
	return lock.Acquire(ctx, runtimeDir(a.g.environ), project, who, func(holder string) {
		if holder == "" {
			holder = "another berth"
		}
		fmt.Fprintf(a.stderr, "waiting for %s, which is working on project %q…\n", holder, project)
	})
}

// unlock releases the project lock if the session holds it. It runs however
// the command ends, interrupted included, so that a waiting berth goes on.
func (s *session) unlock() error {
	if s.release == nil {
		return nil
	}
	release := s.release
	s.release = nil
	return release()
}
