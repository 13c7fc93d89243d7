package docker

import (
	"context"
	"slices"
	"strings"

	"github.com/moby/moby/client"

	"github.com/berth-dev/berth/engine"
)

var _ engine.EndpointLister = (*Engine)(nil)

// NetworkEndpoints lists a network's endpoints as the engine reports them
// in an inspect, by name.
func (e *Engine) NetworkEndpoints(ctx context.Context, network string) ([]engine.NetworkEndpoint, error) {
	var res client.NetworkInspectResult
	err := e.call(ctx, "inspect network "+network, idempotent, func(ctx context.Context) error {
		var err error
		res, err = e.cli.NetworkInspect(ctx, network, client.NetworkInspectOptions{})
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make([]engine.NetworkEndpoint, 0, len(res.Network.Containers))
	for id, ep := range res.Network.Containers {
		out = append(out, engine.NetworkEndpoint{ContainerID: id, Name: ep.Name})
	}
	slices.SortFunc(out, func(a, b engine.NetworkEndpoint) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}
