// Package reaper removes a stack when the berth that owns it is gone, even
// when it was killed outright (SIGKILL, a runner's timeout), and needs
// nothing but the engine's socket to do it.
//
// # How
//
// The owning berth starts a lease container, <project>-berth-reaper, from
// an image it builds locally from its own static executable (FROM scratch,
// tagged berth-reaper:<digest>, built once per executable: no registry).
// The container runs `berth reap --project P` with the engine's socket
// bind-mounted, and its stdin open with StdinOnce. berth attaches to that
// stdin before starting it and keeps the connection for as long as it
// lives. When berth exits, however it exits, the kernel closes the
// connection, the engine closes the container's stdin, and the reaper,
// which has been waiting for end of input, runs `down -v --remove-orphans`
// of the project and exits; the container removes itself.
//
// An engine with no daemon (engine.HostWatcher: the native engine) has no
// socket to mount: there the reaper is the same `berth reap`, run as a
// process of the host in a session of its own, its stdin a pipe from the
// owning berth, which the kernel closes however berth exits.
//
// A berth that exits at once (up -d --reap) leaves a process of its own,
// `berth hold-lease`, holding the connection instead; ending that process
// ends the stack, and `berth down` ends the lease by removing the reaper.
//
// There is no heartbeat to tune and no port to publish: the engine notices
// the dead client at once, so removal starts within a second or two of the
// kill. The reaper needs no privileges beyond the socket, no PID namespace
// of the host, and works the same over a remote engine (DOCKER_HOST=tcp://,
// as with GitLab's docker:dind service), since the socket it mounts is the
// engine's own.
//
// # Leases
//
// The running lease container is the lease: [gc] keeps a stack whose
// lease container runs, and removes a stack whose resources name a lease
// owner (engine.LabelLeaseOwner) when none runs. The container carries
// engine.LabelLease (the project) and the owner, but not the compose
// project label, so up, down, ps and docker compose never see it as part
// of the stack.
package reaper

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/berth-dev/berth/engine"
)

// Engine is what holding a lease needs.
type Engine interface {
	engine.ImageManager
	engine.ImageBuilder
	engine.Watcher
	engine.StacksLister
	RemoveContainer(ctx context.Context, id string, opts engine.RemoveOptions) error
	WaitContainer(ctx context.Context, id string) (int, error)
}

// Options say whose lease to take and with what.
type Options struct {
	Project string
	// Owner identifies the berth taking the lease (see NewOwner).
	Owner string
	// Exe is the path of the running berth executable; it must be a static
	// Linux executable for the engine's architecture.
	Exe string
	// Socket is the path of the engine's socket on the engine's host,
	// mounted into the reaper.
	Socket string
}

// ContainerName is the lease container's name for project.
func ContainerName(project string) string { return project + "-berth-reaper" }

// NewOwner names a lease owner: host, process and a random part, since
// PIDs are reused and hosts are shared.
func NewOwner(host string, pid int, random io.Reader) (string, error) {
	b := make([]byte, 4)
	if _, err := io.ReadFull(random, b); err != nil {
		return "", fmt.Errorf("lease owner: %w", err)
	}
	return host + "/" + strconv.Itoa(pid) + "/" + hex.EncodeToString(b), nil
}

// DefaultOwner is NewOwner with crypto/rand.
func DefaultOwner(host string, pid int) (string, error) {
	return NewOwner(host, pid, rand.Reader)
}

// Lease is a held lease: the connection that keeps the reaper waiting.
type Lease struct {
	eng  Engine
	name string
	conn engine.WatcherConn
}

// Done is closed when the reaper has gone without Release: someone
// removed it (berth down does), or the engine stopped.
func (l *Lease) Done() <-chan struct{} { return l.conn.Done() }

// Start takes the lease on opts.Project: it builds the reaper image if
// needed and starts the lease container. A project whose lease another
// berth holds is refused; a lease container left stopped is replaced.
func Start(ctx context.Context, eng Engine, opts Options) (*Lease, error) {
	name := ContainerName(opts.Project)
	leases, err := eng.LeaseContainers(ctx)
	if err != nil {
		return nil, err
	}
	for _, l := range leases {
		if l.Name != name {
			continue
		}
		if l.State == "running" {
			return nil, fmt.Errorf("project %s already has a live lease, held by %s (container %s): another berth owns this stack; wait for it or use another project name",
				opts.Project, l.Labels[engine.LabelLeaseOwner], name)
		}
		if err := eng.RemoveContainer(ctx, l.ID, engine.RemoveOptions{Force: true}); err != nil && !errors.Is(err, engine.ErrNotFound) {
			return nil, fmt.Errorf("remove stale lease container %s: %w", name, err)
		}
	}
	spec := engine.WatcherSpec{
		Name:   name,
		Labels: map[string]string{engine.LabelLease: opts.Project, engine.LabelLeaseOwner: opts.Owner},
		Ready:  ReadyLine,
	}
	var conn engine.WatcherConn
	if hw, ok := eng.(engine.HostWatcher); ok {
		// No daemon, no socket: the reaper is berth itself, on the host.
		spec.Command = append([]string{opts.Exe}, reapCommand(opts.Project)...)
		rctx, cancel := context.WithTimeout(ctx, readyWait)
		defer cancel()
		if conn, err = hw.StartHostWatcher(rctx, spec); err != nil {
			return nil, fmt.Errorf("start the reaper of project %s: %w", opts.Project, err)
		}
		return &Lease{eng: eng, name: name, conn: conn}, nil
	}
	if spec.Image, err = EnsureImage(ctx, eng, opts.Exe); err != nil {
		return nil, err
	}
	spec.Command = reapCommand(opts.Project)
	spec.Binds = []engine.Mount{{Type: "bind", Source: opts.Socket, Destination: socketInside}}
	rctx, cancel := context.WithTimeout(ctx, readyWait)
	defer cancel()
	if conn, err = eng.StartWatcher(rctx, spec); err != nil {
		return nil, fmt.Errorf("start the reaper of project %s (it mounts the engine's socket %s; set BERTH_REAPER_SOCKET if the engine's host has it elsewhere): %w", opts.Project, opts.Socket, err)
	}
	return &Lease{eng: eng, name: name, conn: conn}, nil
}

// reapCommand is the reaper's berth command line.
func reapCommand(project string) []string { return []string{"reap", "--project", project} }

// ReadyLine is what `berth reap` prints once it has reached the engine
// through the mounted socket: until then the lease protects nothing.
const ReadyLine = "berth reaper ready"

// readyWait bounds how long Start waits for the reaper to be ready.
const readyWait = time.Minute

// socketInside is where the reaper finds the socket: the engine client's
// default, so the reaper needs no DOCKER_HOST.
const socketInside = "/var/run/docker.sock"

// releaseWait bounds how long Release waits for the reaper's down.
const releaseWait = 2 * time.Minute

// Release ends the lease: the reaper removes the stack, and Release waits
// (at most releaseWait) until it is done, so that the stack is gone when
// berth exits.
func (l *Lease) Release(ctx context.Context) error {
	if err := l.conn.Close(); err != nil {
		return fmt.Errorf("release the lease %s: %w", l.name, err)
	}
	ctx, cancel := context.WithTimeout(ctx, releaseWait)
	defer cancel()
	code, err := l.eng.WaitContainer(ctx, l.name)
	switch {
	case errors.Is(err, engine.ErrNotFound):
		return nil // already done and removed
	case err != nil:
		return fmt.Errorf("wait for the reaper %s: %w", l.name, err)
	case code != 0:
		return fmt.Errorf("reaper %s exited with code %d: see the engine's events; berth gc removes what it left", l.name, code)
	}
	return nil
}
