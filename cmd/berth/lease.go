package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/reaper"
)

// newOwner names this berth process as a lease owner.
func newOwner() (string, error) {
	host, err := os.Hostname()
	if err != nil {
		host = "unknown"
	}
	return reaper.DefaultOwner(host, os.Getpid())
}

// takeLease starts the project's reaper (see package reaper), built from
// this very executable.
func (a *app) takeLease(ctx context.Context, eng engine.Engine, project, owner string) (*reaper.Lease, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("--reap: find berth's own executable: %w", err)
	}
	fmt.Fprintf(a.stderr, "Starting reaper %s: the stack is removed when this berth exits\n", reaper.ContainerName(project))
	return reaper.Start(ctx, eng, reaper.Options{
		Project: project,
		Owner:   owner,
		Exe:     exe,
		Socket:  engineSocket(a.g.environ),
	})
}

// releaseLease ends the lease, which removes the stack, and waits for it.
func (a *app) releaseLease(ctx context.Context, l *reaper.Lease) error {
	fmt.Fprintln(a.stderr, "Removing the stack (the reaper runs down -v --remove-orphans)…")
	return l.Release(ctx)
}

// engineSocket is the engine's socket as the engine's host sees it, for
// the reaper to mount: BERTH_REAPER_SOCKET, else DOCKER_HOST's path when
// it is a unix socket, else the default. A TCP DOCKER_HOST (GitLab's
// docker:dind) still has the default socket on the engine's own host.
func engineSocket(environ map[string]string) string {
	if s := environ["BERTH_REAPER_SOCKET"]; s != "" {
		return s
	}
	if path, ok := strings.CutPrefix(environ["DOCKER_HOST"], "unix://"); ok && path != "" {
		return path
	}
	return "/var/run/docker.sock"
}
