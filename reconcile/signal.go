package reconcile

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/berth-dev/berth/engine"
)

// KillOptions are the choices `berth kill` passes to PlanKill.
type KillOptions struct {
	// Signal is what to send, by name or number; "" is SIGKILL.
	Signal string
	// RemoveOrphans also kills the containers of services the project no
	// longer defines (compose's flag name: they are killed, not removed).
	RemoveOrphans bool
}

// PlanKill sends a signal to the running (or paused, or restarting)
// containers of services (all when empty), all at once, as compose does:
// a kill waits for nothing. One-off containers of the project's services
// are included, as in compose; orphans only with RemoveOrphans. An empty
// plan warns "No container to kill", compose's message.
func PlanKill(p *types.Project, s State, services []string, opts KillOptions) (Plan, error) {
	sig := opts.Signal
	if sig == "" {
		sig = "SIGKILL"
	}
	name, _, err := engine.ParseSignal(sig)
	if err != nil {
		return Plan{}, err
	}
	plan, targets := signalTargets(p, s, services, func(c engine.Container) bool {
		return isRunning(c) && (opts.RemoveOrphans || !isOrphan(p, c))
	})
	for _, c := range targets {
		addAction(&plan, Action{Kind: Kill, Target: containerRef(c),
			Reasons: []Reason{{Code: codeRequested, Detail: name + " requested"}},
			op:      &op{signal: name}})
	}
	if plan.Empty() {
		plan.Warnings = append(plan.Warnings, "No container to kill")
	}
	return plan, nil
}

// PlanPause pauses the running service containers of services (all when
// empty). One-off containers are left alone, as in compose; so are
// containers already paused, which compose would fail on.
func PlanPause(p *types.Project, s State, services []string) Plan {
	return planFreeze(p, s, services, Pause, "running")
}

// PlanUnpause resumes the paused service containers of services (all
// when empty). Containers that are not paused are left alone, which
// compose would fail on.
func PlanUnpause(p *types.Project, s State, services []string) Plan {
	return planFreeze(p, s, services, Unpause, "paused")
}

func planFreeze(p *types.Project, s State, services []string, kind Kind, from string) Plan {
	plan, targets := signalTargets(p, s, services, func(c engine.Container) bool {
		return c.State == from && !isOneoff(c) && !isOrphan(p, c)
	})
	for _, c := range targets {
		addAction(&plan, Action{Kind: kind, Target: containerRef(c),
			Reasons: []Reason{{Code: codeRequested, Detail: string(kind) + " requested"}}})
	}
	return plan
}

// signalTargets returns an empty plan for p and the project's containers
// of services (all when empty) that keep holds for, by name.
func signalTargets(p *types.Project, s State, services []string, keep func(engine.Container) bool) (Plan, []engine.Container) {
	if p == nil {
		p = &types.Project{}
	}
	plan := Plan{Project: p.Name, env: newEnv(p)}
	var out []engine.Container
	for _, c := range s.Containers {
		if !ours(c.Labels, p.Name) {
			continue
		}
		if len(services) > 0 && !slices.Contains(services, c.Labels[engine.LabelService]) {
			continue
		}
		if keep(c) {
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b engine.Container) int { return strings.Compare(a.Name, b.Name) })
	return plan, out
}

// isOrphan reports whether c belongs to a service p does not define. A
// project known only by its name defines every service it has containers
// of.
func isOrphan(p *types.Project, c engine.Container) bool {
	if len(p.Services) == 0 && len(p.DisabledServices) == 0 {
		return false
	}
	_, ok := p.Services[c.Labels[engine.LabelService]]
	return !ok
}

// signal carries out a Kill, Pause or Unpause.
func (r *runner) signal(ctx context.Context, a Action, o *op) error {
	id, err := r.idOf(a.Target)
	if err != nil {
		return err
	}
	switch a.Kind {
	case Kill:
		return r.eng.KillContainer(ctx, id, o.signal)
	case Pause:
		return r.eng.PauseContainer(ctx, id)
	case Unpause:
		return r.eng.UnpauseContainer(ctx, id)
	}
	return fmt.Errorf("%s is not a signal action", a.Kind)
}
