package reconcile

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/berth-dev/berth/engine"
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
			// Every error of waitOne starts with `dependency "name"`.
			r.emit(i, a, a.Target, StatusWarning, fmt.Sprintf("optional %v; starting anyway (required: false)", err), nil)
			continue
		}
		if err != nil {
			return &DependencyError{Err: err}
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
		done, err := judge(ctx, r.eng, c, true)
		if err != nil {
			return "", fmt.Errorf("dependency %q %w", service, err)
		}
		if done != "" {
			return done, nil
		}
		select {
		case <-ctx.Done():
			return "", errAborted
		case <-t.C:
		}
	}
}

// judge says whether c is ready: done is the final progress text, err a
// failure that waiting longer cannot fix, both empty while it is on its
// way. err's text continues a sentence whose subject is the container
// ("… is unhealthy: <probe output>"). With healthy (depends_on
// service_healthy) only a passing healthcheck will do; otherwise (up
// --wait) a running container without a healthcheck, or one that exited
// 0, is ready too.
func judge(ctx context.Context, eng engine.Inspector, c engine.Container, healthy bool) (done string, err error) {
	service := c.Labels[engine.LabelService]
	switch {
	case (c.State == "exited" || c.State == "dead") && healthy:
		return "", fmt.Errorf("exited with code %d before becoming healthy", c.ExitCode)
	case c.State == "exited" || c.State == "dead":
		if c.ExitCode != 0 {
			return "", fmt.Errorf("exited with code %d", c.ExitCode)
		}
		return "Exited", nil
	case c.Health == "healthy":
		return "Healthy", nil
	case c.Health == "unhealthy":
		return "", fmt.Errorf("is unhealthy: %s", lastProbe(ctx, eng, c.ID))
	case c.Health == "" && healthy:
		return "", fmt.Errorf("has no healthcheck, so service_healthy can never hold; add a healthcheck to %s or use condition service_started", service)
	case c.Health == "" && c.State == "running":
		return "Running", nil
	}
	return "", nil
}

// lastProbe returns the output of the most recent health probe, trimmed.
func lastProbe(ctx context.Context, eng engine.Inspector, id string) string {
	log, err := eng.HealthLog(ctx, id)
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
