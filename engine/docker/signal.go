package docker

import (
	"context"

	"github.com/moby/moby/client"

	"github.com/berth-dev/berth/engine"
)

var _ engine.Signaller = (*Engine)(nil)

// KillContainer sends signal to id. A kill is not repeated on a transport
// failure: a second SIGHUP is not the same as one.
func (e *Engine) KillContainer(ctx context.Context, id, signal string) error {
	return e.call(ctx, "kill container "+shortRef(id), once, func(ctx context.Context) error {
		_, err := e.cli.ContainerKill(ctx, id, client.ContainerKillOptions{Signal: signal})
		return err
	})
}

// PauseContainer freezes id.
func (e *Engine) PauseContainer(ctx context.Context, id string) error {
	return e.call(ctx, "pause container "+shortRef(id), once, func(ctx context.Context) error {
		_, err := e.cli.ContainerPause(ctx, id, client.ContainerPauseOptions{})
		return err
	})
}

// UnpauseContainer thaws id.
func (e *Engine) UnpauseContainer(ctx context.Context, id string) error {
	return e.call(ctx, "unpause container "+shortRef(id), once, func(ctx context.Context) error {
		_, err := e.cli.ContainerUnpause(ctx, id, client.ContainerUnpauseOptions{})
		return err
	})
}
