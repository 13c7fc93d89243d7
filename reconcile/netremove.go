package reconcile

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/berth-dev/berth/engine"
)

// staleRetries is how often a removal refused for active endpoints is
// tried again once the stale ones are cleared: the engine may take a
// moment to let go of an endpoint it just deleted.
const staleRetries = 3

// StrandedNetworkError is a network the engine refuses to remove although
// no container uses it: dockerd 20.10 keeps counting an endpoint after
// parallel container removals (moby/moby#43286) and only forgets it when
// it restarts. It matches engine.ErrActiveEndpoints.
type StrandedNetworkError struct {
	Network string
	// Endpoints names the stale endpoints the engine listed but would not
	// delete; empty when it lists none at all.
	Endpoints []string
}

func (e *StrandedNetworkError) Error() string {
	held := "an endpoint it no longer lists"
	if len(e.Endpoints) > 0 {
		held = "endpoints of removed containers (" + strings.Join(e.Endpoints, ", ") + ")"
	}
	// dockerd's own words come first, so that whoever knows its error (a
	// script, a search engine) recognises this one.
	return fmt.Sprintf("network %s has active endpoints although no container uses it: it is stranded, dockerd still counts %s (moby/moby#43286); "+
		"only a daemon restart frees it: run `sudo systemctl restart docker`, then `berth down` again", e.Network, held)
}

// Is makes errors.Is(err, engine.ErrActiveEndpoints) hold.
func (e *StrandedNetworkError) Is(target error) bool { return target == engine.ErrActiveEndpoints }

// OnlyStranded reports whether err holds StrandedNetworkErrors and nothing
// else (errors joined by Apply are looked into): a down that failed only so
// removed everything else, and only a daemon restart can do more.
func OnlyStranded(err error) bool {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs := j.Unwrap()
		for _, e := range errs {
			if !OnlyStranded(e) {
				return false
			}
		}
		return len(errs) > 0
	}
	var s *StrandedNetworkError
	return errors.As(err, &s)
}

// removeNetwork removes a network. When the engine still reports endpoints
// although the project's containers are gone, those whose container no
// longer exists are stale: they are force-disconnected by name (the only
// way the engine finds them) and the removal retried. A network still used
// by a live container is left in place with a warning, as compose does,
// unless the plan recreates it (mustRemove). One the engine will not let
// go of is a StrandedNetworkError.
func (r *runner) removeNetwork(ctx context.Context, i int, a Action, o *op) (string, error) {
	name := a.Target.Name
	ref := cmp.Or(a.Target.ID, name)
	err := r.eng.RemoveNetwork(ctx, ref)
	if !errors.Is(err, engine.ErrActiveEndpoints) {
		return "", ignoreNotFound(err)
	}
	eps, err := r.eng.NetworkEndpoints(ctx, name)
	if err != nil {
		return "", ignoreNotFound(err)
	}
	var live, stuck []string
	for _, ep := range eps {
		label := cmp.Or(ep.Name, shortID(ep.ContainerID))
		_, err := r.eng.InspectContainer(ctx, ep.ContainerID)
		switch {
		case errors.Is(err, engine.ErrNotFound):
			if ep.Name == "" || ignoreNotFound(r.eng.DisconnectNetwork(ctx, name, ep.Name, true)) != nil {
				stuck = append(stuck, label)
			}
		case err != nil:
			return "", err
		default:
			live = append(live, label)
		}
	}
	if len(live) > 0 && o.mustRemove {
		return "", fmt.Errorf("network %s cannot be recreated: containers outside the project use it (%s); disconnect them (docker network disconnect %s CONTAINER) and run up again",
			name, strings.Join(live, ", "), name)
	}
	if len(live) > 0 {
		r.emit(i, a, a.Target, StatusWarning,
			fmt.Sprintf("Resource is still in use by %d container(s) outside this plan; left in place", len(live)), nil)
		return "Kept", nil
	}
	for try := 0; ; try++ {
		err = r.eng.RemoveNetwork(ctx, ref)
		if !errors.Is(err, engine.ErrActiveEndpoints) {
			return "", ignoreNotFound(err)
		}
		if try == staleRetries || sleep(ctx, r.opts.PollInterval) != nil {
			return "", &StrandedNetworkError{Network: name, Endpoints: stuck}
		}
	}
}

// sleep waits for d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
