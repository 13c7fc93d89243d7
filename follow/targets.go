package follow

import (
	"slices"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/ui"
)

// Selection says which containers print and from when, as attached up's
// flags do.
type Selection struct {
	// Attach lists the only services that print (--attach); empty: all.
	Attach []string
	// NoAttach lists services that never print (--no-attach).
	NoAttach []string
	// Fresh marks, by name, the containers the command itself started: they
	// print everything they wrote; the others only what comes after Since,
	// as attaching to them would.
	Fresh      map[string]bool
	Since      string
	Timestamps bool
}

// Targets turns containers into targets as sel says. Containers that do not
// print are still targets, Quiet: their exits count.
func Targets(containers []engine.Container, sel Selection) []Target {
	out := make([]Target, len(containers))
	for i, c := range containers {
		svc := c.Labels[engine.LabelService]
		out[i] = Target{
			Name:    ui.LogSourceOf(c).Name,
			Service: svc,
			ID:      c.ID,
			Quiet:   (len(sel.Attach) > 0 && !slices.Contains(sel.Attach, svc)) || slices.Contains(sel.NoAttach, svc),
			Logs:    engine.LogOptions{Timestamps: sel.Timestamps},
		}
		if !sel.Fresh[c.Name] {
			out[i].Logs.Since = sel.Since
		}
	}
	return out
}
