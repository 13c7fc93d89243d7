package reconcile

import (
	"context"
	"sync"
)

// kept records the conditional actions Apply found it had no reason to
// carry out, so that the conditional actions after them can tell.
type kept struct {
	mu      sync.Mutex
	actions map[int]bool
}

func (k *kept) add(i int) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.actions == nil {
		k.actions = map[int]bool{}
	}
	k.actions[i] = true
}

func (k *kept) has(i int) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.actions[i]
}

// needed settles a conditional action's condition and, when it goes
// ahead, reports it working as run does for the others.
func (r *runner) needed(ctx context.Context, i int, a Action, c *condition) (bool, error) {
	ok, err := r.settle(ctx, c)
	if ok && err == nil {
		working, _ := verbs(a.Kind)
		r.emit(i, a, a.Target, StatusWorking, working, nil)
	}
	return ok, err
}

// settle tells whether the image now has another ID than the one the
// container was created from, or one of the parents went ahead. The
// parents come before the action in the plan, so they are done.
func (r *runner) settle(ctx context.Context, c *condition) (bool, error) {
	for _, p := range c.parents {
		if !r.kept.has(p) {
			return true, nil
		}
	}
	if c.image == "" {
		return false, nil
	}
	img, err := r.eng.InspectImage(ctx, c.image)
	if err != nil {
		return false, err
	}
	return img.ID != c.imageID, nil
}

// keep is a conditional recreate that found nothing changed: the container
// stays, and is started if it was stopped and the plan starts it. An early
// stop of the container is left alone: EarlyStops.Restore starts it again.
func (r *runner) keep(ctx context.Context, i int, a Action, o *op) (string, error) {
	r.kept.add(i)
	switch {
	case o.wasRunning:
		return "Running", nil
	case !o.start:
		return "Kept", nil
	}
	if err := r.waitDeps(ctx, i, a, o); err != nil {
		return "", err
	}
	if err := r.eng.StartContainer(ctx, a.Target.ID); err != nil {
		return "", err
	}
	return "Started", nil
}
