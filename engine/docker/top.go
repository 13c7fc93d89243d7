package docker

import (
	"context"

	"github.com/moby/moby/client"

	"github.com/berth-dev/berth/engine"
)

var _ engine.ProcessLister = (*Engine)(nil)

// TopContainer lists id's processes with the daemon's default ps columns.
func (e *Engine) TopContainer(ctx context.Context, id string) (engine.Processes, error) {
	var res client.ContainerTopResult
	err := e.call(ctx, "list processes of container "+shortRef(id), idempotent, func(ctx context.Context) error {
		var err error
		res, err = e.cli.ContainerTop(ctx, id, client.ContainerTopOptions{})
		return err
	})
	if err != nil {
		return engine.Processes{}, err
	}
	return engine.Processes{Titles: res.Titles, Rows: res.Processes}, nil
}
