package running

import (
	"slices"

	"github.com/berth-dev/berth/engine"
)

// Waitable returns the containers of services (all when empty) that the
// engine lists as running, paused or restarting, one-offs included, as
// compose's wait picks them.
func Waitable(cs []engine.Container, services []string) []engine.Container {
	var out []engine.Container
	for _, c := range cs {
		if isUp(c) && (len(services) == 0 || slices.Contains(services, c.Labels[engine.LabelService])) {
			out = append(out, c)
		}
	}
	return out
}
