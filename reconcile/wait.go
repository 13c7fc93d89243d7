package reconcile

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
)

// errAborted marks a wait cut short because another action failed; Apply
// reports the failure, not the aborted wait.
var errAborted = errors.New("aborted: another action failed")

// waitDeps blocks until the depends_on conditions of a start hold.
// service_started needs no wait here: the plan orders the start after its
// dependencies' starts. A failed optional (required: false) dependency is
// reported as a warning and does not stop the start.
func (r *runner) waitDeps(ctx context.Context, i int, a Action, o *op) error {
	for _, w := range o.waits {
		err := r.waitOne(i, a, w)
		if errors.Is(err, errAborted) {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return err
		}
		if err != nil && !w.required {
			r.emit(i, a, a.Target, StatusWarning, fmt.Sprintf("optional dependency %q: %v", w.service, err), nil)
			continue
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// waitOne waits for every container of one dependency.
func (r *runner) waitOne(i int, a Action, w wait) error {
	names := r.env.replicas[w.service]
	if len(names) == 0 {
		return fmt.Errorf("dependency %q has no container; run `berth up %s`", w.service, w.service)
	}
	for _, name := range names {
		id, ok := r.ids.get(name)
		if !ok {
			return fmt.Errorf("dependency %q: container %s does not exist", w.service, name)
		}
		dep := Ref{Type: RefContainer, Name: name, Service: w.service, ID: id}
		r.emit(i, a, dep, StatusWaiting, "Waiting", nil)
		var err error
		var done string
		switch w.condition {
		case types.ServiceConditionHealthy:
			done, err = r.waitHealthy(w.service, id)
		case types.ServiceConditionCompletedSuccessfully:
			done, err = r.waitCompleted(w.service, id)
		default:
			return fmt.Errorf("dependency %q: unsupported depends_on condition %q; use service_started, service_healthy or service_completed_successfully", w.service, w.condition)
		}
		if err != nil {
			if !errors.Is(err, errAborted) {
				r.emit(i, a, dep, StatusError, "Error", err)
			}
			return err
		}
		r.emit(i, a, dep, StatusDone, done, nil)
	}
	return nil
}

// waitHealthy polls a container until its healthcheck passes. An unhealthy
// container fails the wait with its last probe output, so the user sees
// why without running docker inspect.
func (r *runner) waitHealthy(service, id string) (string, error) {
	ctx := r.waitCtx
	t := time.NewTicker(r.opts.PollInterval)
	defer t.Stop()
	for {
		c, err := r.eng.InspectContainer(ctx, id)
		if err != nil {
			if ctx.Err() != nil {
				return "", errAborted
			}
			return "", fmt.Errorf("dependency %q: %w", service, err)
		}
		switch {
		case c.State == "exited" || c.State == "dead":
			return "", fmt.Errorf("dependency %q exited with code %d before becoming healthy", service, c.ExitCode)
		case c.Health == "healthy":
			return "Healthy", nil
		case c.Health == "unhealthy":
			return "", fmt.Errorf("dependency %q is unhealthy: %s", service, r.lastProbe(ctx, id))
		case c.Health == "":
			return "", fmt.Errorf("dependency %q has no healthcheck, so service_healthy can never hold; add a healthcheck to %s or use condition service_started", service, service)
		}
		select {
		case <-ctx.Done():
			return "", errAborted
		case <-t.C:
		}
	}
}

// lastProbe returns the output of the most recent health probe, trimmed.
func (r *runner) lastProbe(ctx context.Context, id string) string {
	log, err := r.eng.HealthLog(ctx, id)
	if err != nil || len(log) == 0 {
		return "no probe output recorded"
	}
	out := strings.TrimSpace(log[len(log)-1])
	if out == "" {
		return "the probe printed nothing"
	}
	return out
}

// waitCompleted waits for a container to exit, and fails unless it exits 0.
func (r *runner) waitCompleted(service, id string) (string, error) {
	code, err := r.eng.WaitContainer(r.waitCtx, id)
	if err != nil {
		if r.waitCtx.Err() != nil {
			return "", errAborted
		}
		return "", fmt.Errorf("dependency %q: %w", service, err)
	}
	if code != 0 {
		return "", fmt.Errorf("dependency %q did not complete successfully: exit code %d", service, code)
	}
	return "Exited", nil
}
