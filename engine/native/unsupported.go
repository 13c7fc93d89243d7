package native

import (
	"context"

	"github.com/berth-dev/berth/engine"
)

// Events is not available: no daemon records what happens to containers.
func (e *Engine) Events(ctx context.Context, project string, opts engine.EventOptions, fn func(engine.Event) error) error {
	return unsupported("events", "use berth ps and berth logs, or --engine docker")
}

// StartWatcher is not available: leases (--reap) need a daemon that
// outlives berth and a socket to mount, which the native engine has not.
func (e *Engine) StartWatcher(ctx context.Context, spec engine.WatcherSpec) (engine.WatcherConn, error) {
	return nil, unsupported("a lease container (--reap)", "drop --reap, or use --engine docker")
}
