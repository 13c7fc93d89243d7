package native

import (
	"context"

	"github.com/berth-dev/berth/engine"
)

// Events is not available: no daemon records what happens to containers.
func (e *Engine) Events(ctx context.Context, project string, opts engine.EventOptions, fn func(engine.Event) error) error {
	return unsupported("events", "use berth ps and berth logs, or --engine docker")
}
