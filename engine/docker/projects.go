package docker

import (
	"context"

	"github.com/moby/moby/client"

	"github.com/berth-dev/berth/engine"
)

var _ engine.ProjectsLister = (*Engine)(nil)

// ProjectContainers lists every container carrying the project label, in
// one call filtered by the label's key alone.
func (e *Engine) ProjectContainers(ctx context.Context, all bool) ([]engine.Container, error) {
	var res client.ContainerListResult
	err := e.call(ctx, "list containers of all projects", idempotent, func(ctx context.Context) error {
		var err error
		res, err = e.cli.ContainerList(ctx, client.ContainerListOptions{All: all, Filters: make(client.Filters).Add("label", engine.LabelProject)})
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make([]engine.Container, 0, len(res.Items))
	for _, c := range res.Items {
		out = append(out, fromSummary(c))
	}
	return out, nil
}
