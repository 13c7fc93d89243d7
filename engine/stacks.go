package engine

import (
	"context"
	"io"
)

// berth's own labels for the life of a stack. They sit beside compose's
// labels, outside every config hash, so that adding or changing them never
// makes an `up` recreate anything, and docker compose ignores them.
const (
	// LabelTTLUntil is when a stack may be garbage-collected, RFC 3339 in
	// UTC: set by `up --ttl` on what that up creates.
	LabelTTLUntil = "dev.berth.ttl-until"
	// LabelLeaseOwner names the berth that held the lease on the project
	// when it created the resource (host/pid/random). A stack carrying it
	// is collected once no lease container of the project is running.
	LabelLeaseOwner = "dev.berth.lease-owner"
	// LabelLease marks a lease container (berth's reaper); its value is
	// the project it holds the lease of. The container deliberately lacks
	// the compose project label, so that no up, down or ps sees it as part
	// of the stack.
	LabelLease = "dev.berth.lease"
	// LabelEnv records the berth environment (--env) a stack was made for.
	LabelEnv = "dev.berth.env"
	// LabelCIID records the CI job a stack was made for (berth ci).
	LabelCIID = "dev.berth.ci-id"
)

// StacksLister looks at every project's networks and volumes and at the
// lease containers, for gc, which must see stacks that have no container.
type StacksLister interface {
	// ProjectNetworks lists the networks carrying the project label,
	// whatever its value.
	ProjectNetworks(ctx context.Context) ([]Network, error)
	// ProjectVolumes lists the volumes carrying the project label,
	// whatever its value.
	ProjectVolumes(ctx context.Context) ([]Volume, error)
	// LeaseContainers lists the containers carrying LabelLease, running or
	// not.
	LeaseContainers(ctx context.Context) ([]Container, error)
}

// WatcherSpec is a container that lives as long as a connection to it: a
// lease holder.
type WatcherSpec struct {
	Name    string
	Image   string
	Command []string
	Labels  map[string]string
	// Binds are bind mounts of paths on the engine's host; a source that
	// does not exist is an error, never created.
	Binds []Mount
	// Ready, when set, is what the watcher prints once it works:
	// StartWatcher returns when it has seen it, and fails with the
	// watcher's output if the watcher exits first or ctx ends.
	Ready string
}

// Watcher runs lease containers.
type Watcher interface {
	// StartWatcher creates spec's container with its stdin attached to the
	// returned connection, starts it and waits for spec.Ready. The engine
	// closes the container's stdin once the connection closes, whether its
	// holder closes it or dies: that end of input is the container's
	// signal. The container removes itself when it exits.
	StartWatcher(ctx context.Context, spec WatcherSpec) (WatcherConn, error)
}

// WatcherConn is the holder's end of a watcher.
type WatcherConn interface {
	io.Closer
	// Done is closed once the watcher has gone (it exited or was removed)
	// or the connection was closed.
	Done() <-chan struct{}
}

// HostWatcher runs watchers as processes of the engine's own host, for an
// engine with no daemon (native): it has no socket to hand a container,
// and what a reaper does there needs the host itself.
type HostWatcher interface {
	// StartHostWatcher runs spec.Command (its first element the program)
	// as StartWatcher runs spec's container: its stdin is the returned
	// connection and ends with it; LeaseContainers lists it by spec.Name
	// and spec.Labels while it runs; RemoveContainer of its name kills it
	// and WaitContainer waits for it and returns its exit code.
	// spec.Image and spec.Binds are not used.
	StartHostWatcher(ctx context.Context, spec WatcherSpec) (WatcherConn, error)
}
