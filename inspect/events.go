package inspect

import (
	"context"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/berth-dev/berth/engine"
)

// ServiceEvent is an engine event about one of a project's service
// containers, as compose's events command reports it.
type ServiceEvent struct {
	Time      time.Time
	Service   string
	Container string // the container's ID
	Action    string
	// Attributes are the engine's, without the com.docker.compose.* and
	// berth's own dev.berth.* labels.
	Attributes map[string]string
}

// Events streams the events of project's containers to fn, leaving out
// one-off containers and, when services are named, the other services'.
// It returns when ctx ends, as an error only if the stream failed.
func Events(ctx context.Context, eng engine.EventStreamer, project string, services []string, opts engine.EventOptions, fn func(ServiceEvent) error) error {
	return eng.Events(ctx, project, opts, func(e engine.Event) error {
		if e.Attributes[engine.LabelOneoff] == "True" {
			return nil
		}
		service := e.Attributes[engine.LabelService]
		if len(services) > 0 && !slices.Contains(services, service) {
			return nil
		}
		attrs := maps.Clone(e.Attributes)
		// compose leaves out its own labels; berth's go too, and must:
		// dev.berth.config records the service's configuration, environment
		// values included.
		maps.DeleteFunc(attrs, func(k, _ string) bool {
			return strings.HasPrefix(k, "com.docker.compose.") || strings.HasPrefix(k, "dev.berth.")
		})
		if attrs == nil {
			attrs = map[string]string{}
		}
		return fn(ServiceEvent{Time: e.Time, Service: service, Container: e.ID, Action: e.Action, Attributes: attrs})
	})
}
