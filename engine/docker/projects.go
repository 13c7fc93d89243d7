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
	return e.listContainers(ctx, "list containers of all projects",
		client.ContainerListOptions{All: all, Filters: anyProjectFilter()})
}
