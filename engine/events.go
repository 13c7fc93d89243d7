package engine

import (
	"context"
	"time"
)

// Event is something the engine did to one of a project's containers.
type Event struct {
	Time   time.Time
	Action string // create, start, die, stop, kill, destroy, health_status: healthy, ...
	ID     string // the container's
	// Attributes are the engine's: the container's name, image and labels,
	// and for some actions more (exitCode, signal).
	Attributes map[string]string
}

// EventOptions bound an event stream in time; empty means from now and
// without end. Values are those of `docker events --since/--until`.
type EventOptions struct {
	Since string
	Until string
}

// EventStreamer streams engine events.
type EventStreamer interface {
	// Events calls fn for each event about a container of project, in
	// order, until ctx ends (nil is returned), Until passes, or fn or the
	// stream fails.
	Events(ctx context.Context, project string, opts EventOptions, fn func(Event) error) error
}
