package stack

import (
	"context"
	"fmt"
	"time"

	swarmtypes "github.com/moby/moby/api/types/swarm"

	"github.com/berth-dev/berth/engine/swarm"
)

// Event statuses, as ui's progress names them.
const (
	StatusWorking = "Working"
	StatusDone    = "Done"
	StatusError   = "Error"
)

// Event reports the progress of one action.
type Event struct {
	Kind   Kind
	Name   string
	Status string
	Text   string // e.g. "Creating", "Updated"
	Err    error
}

// ApplyOptions tune Apply.
type ApplyOptions struct {
	Progress func(Event)
	// Sleep waits between attempts to remove an object still held by the
	// tasks of a service just removed; nil sleeps for real.
	Sleep func(ctx context.Context, d time.Duration) error
	// KeepGoing runs every action even after one failed, and returns the
	// first error at the end: down removes all it can.
	KeepGoing bool
}

// releaseWait bounds how long a removal waits for the tasks of removed
// services to let go of a network, secret or config: a task's container
// stops within its stop grace period, 10s by default, and then detaches.
const releaseWait = 90 * time.Second

// Apply carries out the plan's actions in order, one at a time. It reads
// no reasons.
func Apply(ctx context.Context, plan Plan, w swarm.Writer, opts ApplyOptions) error {
	progress := opts.Progress
	if progress == nil {
		progress = func(Event) {}
	}
	sleep := opts.Sleep
	if sleep == nil {
		sleep = sleepCtx
	}
	ids := map[string]string{}
	for k, v := range plan.objectIDs {
		ids[k] = v
	}
	var first error
	for _, a := range plan.Actions {
		if err := ctx.Err(); err != nil {
			return err
		}
		working, done := verbs(a.Kind)
		progress(Event{Kind: a.Kind, Name: a.Name, Status: StatusWorking, Text: working})
		err := applyOne(ctx, a, w, ids, sleep)
		if err != nil {
			progress(Event{Kind: a.Kind, Name: a.Name, Status: StatusError, Text: "Error", Err: err})
			if first == nil {
				first = fmt.Errorf("%s %s: %w", a.Kind, a.Name, err)
			}
			if !opts.KeepGoing {
				return first
			}
			continue
		}
		progress(Event{Kind: a.Kind, Name: a.Name, Status: StatusDone, Text: done})
	}
	return first
}

func applyOne(ctx context.Context, a Action, w swarm.Writer, ids map[string]string, sleep func(context.Context, time.Duration) error) error {
	switch a.Kind {
	case CreateNetwork:
		_, err := w.CreateNetwork(ctx, *a.op.network)
		return err
	case CreateSecret:
		id, err := w.CreateSecret(ctx, a.op.object.secretSpec())
		ids[kindSecret+"/"+a.Name] = id
		return err
	case CreateConfig:
		id, err := w.CreateConfig(ctx, a.op.object.configSpec())
		ids[kindConfig+"/"+a.Name] = id
		return err
	case CreateService:
		spec, err := withObjectIDs(*a.op.spec, ids)
		if err != nil {
			return err
		}
		_, err = w.CreateService(ctx, spec)
		return err
	case UpdateService:
		spec, err := withObjectIDs(*a.op.spec, ids)
		if err != nil {
			return err
		}
		return w.UpdateService(ctx, a.op.id, a.op.version, spec)
	case RemoveService:
		return w.RemoveService(ctx, a.op.id)
	case RemoveSecret:
		return untilReleased(ctx, sleep, func() error { return w.RemoveSecret(ctx, a.op.id) })
	case RemoveConfig:
		return untilReleased(ctx, sleep, func() error { return w.RemoveConfig(ctx, a.op.id) })
	case RemoveNetwork:
		return untilReleased(ctx, sleep, func() error { return w.RemoveNetwork(ctx, a.op.id) })
	}
	return fmt.Errorf("unknown action kind %q", a.Kind)
}

// withObjectIDs fills in the IDs of the secrets and configs a spec names.
func withObjectIDs(spec swarmtypes.ServiceSpec, ids map[string]string) (swarmtypes.ServiceSpec, error) {
	spec = clone(spec)
	cs := spec.TaskTemplate.ContainerSpec
	if cs == nil {
		return spec, nil
	}
	for _, r := range cs.Secrets {
		id, ok := ids[kindSecret+"/"+r.SecretName]
		if !ok {
			return spec, fmt.Errorf("secret %s does not exist: create it with docker secret create, or declare it in the file", r.SecretName)
		}
		r.SecretID = id
	}
	for _, r := range cs.Configs {
		id, ok := ids[kindConfig+"/"+r.ConfigName]
		if !ok {
			return spec, fmt.Errorf("config %s does not exist: create it with docker config create, or declare it in the file", r.ConfigName)
		}
		r.ConfigID = id
	}
	return spec, nil
}

// untilReleased retries a removal that fails while the tasks of a
// removed service still hold the object, for at most releaseWait.
func untilReleased(ctx context.Context, sleep func(context.Context, time.Duration) error, remove func() error) error {
	deadline := time.Now().Add(releaseWait)
	delay := 250 * time.Millisecond
	for {
		err := remove()
		if err == nil || time.Now().After(deadline) {
			return err
		}
		if serr := sleep(ctx, delay); serr != nil {
			return err
		}
		delay = min(2*delay, 4*time.Second)
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func verbs(k Kind) (working, done string) {
	switch k {
	case CreateNetwork, CreateSecret, CreateConfig, CreateService:
		return "Creating", "Created"
	case UpdateService:
		return "Updating", "Updated"
	}
	return "Removing", "Removed"
}
