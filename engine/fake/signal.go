package fake

import (
	"context"
	"fmt"

	"github.com/berth-dev/berth/engine"
)

const statePaused = "paused"

// KillContainer delivers signal to a running or paused container. The
// signals whose default action ends a process (HUP, INT, QUIT, KILL,
// USR1, USR2, ALRM, TERM) end it with 128+N, as a shell reports it; any
// other signal changes nothing, as for a main process that ignores it.
// Killing a container that is not running is an ErrConflict, as with
// Docker.
func (f *Engine) KillContainer(ctx context.Context, id, signal string) error {
	f.record("KillContainer", id, signal)
	if err := hook2(ctx, "kill container "+short(id), f.Hooks.KillContainer, id, signal); err != nil {
		return err
	}
	_, n, err := engine.ParseSignal(signal)
	if err != nil {
		return fmt.Errorf("kill container %s: %w", short(id), err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.containerLocked("kill", id)
	if err != nil {
		return err
	}
	if c.done == nil {
		return fmt.Errorf("kill container %s: container is not running: %w", c.c.Name, engine.ErrConflict)
	}
	switch n {
	case 1, 2, 3, 9, 10, 12, 14, 15:
		c.exit(128 + n)
	}
	return nil
}

// PauseContainer pauses a running container; ErrConflict otherwise.
func (f *Engine) PauseContainer(ctx context.Context, id string) error {
	f.record("PauseContainer", id)
	if err := hook1(ctx, "pause container "+short(id), f.Hooks.PauseContainer, id); err != nil {
		return err
	}
	return f.setPaused("pause", id, stateRunning, statePaused)
}

// UnpauseContainer resumes a paused container; ErrConflict otherwise.
func (f *Engine) UnpauseContainer(ctx context.Context, id string) error {
	f.record("UnpauseContainer", id)
	if err := hook1(ctx, "unpause container "+short(id), f.Hooks.UnpauseContainer, id); err != nil {
		return err
	}
	return f.setPaused("unpause", id, statePaused, stateRunning)
}

func (f *Engine) setPaused(op, id, from, to string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.containerLocked(op, id)
	if err != nil {
		return err
	}
	if c.c.State != from {
		return fmt.Errorf("%s container %s: container is %s, not %s: %w", op, c.c.Name, c.c.State, from, engine.ErrConflict)
	}
	c.c.State = to
	return nil
}
