package reconcile

import (
	"context"
	"errors"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/berth-dev/berth/engine"
)

// checkServices asks an engine that can check services (see
// engine.ServiceChecker) about every service the plan creates containers
// of, before anything is created: a service the engine can never run
// fails the plan while it has changed nothing.
func checkServices(ctx context.Context, eng any, env *planEnv, actions []Action) error {
	c, ok := eng.(engine.ServiceChecker)
	if !ok {
		return nil
	}
	var dir string
	if env.project != nil {
		dir = env.project.WorkingDir
	}
	seen := map[string]bool{}
	var errs []error
	for _, a := range actions {
		if a.Kind != CreateContainer && a.Kind != Recreate || a.op == nil || a.op.service == nil {
			continue
		}
		s := a.op.service
		if seen[s.Name] {
			continue
		}
		seen[s.Name] = true
		if err := c.CheckService(ctx, *s, dir); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// CheckOneOff is checkServices for the service of a one-off container,
// which no plan creates: run calls it before applying the plan that
// brings up its dependencies.
func CheckOneOff(ctx context.Context, eng any, p *types.Project, s types.ServiceConfig) error {
	if c, ok := eng.(engine.ServiceChecker); ok {
		return c.CheckService(ctx, s, p.WorkingDir)
	}
	return nil
}
