package fake

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/berth-dev/berth/engine"
)

var _ engine.EndpointLister = (*Engine)(nil)

// AddStaleEndpoint leaves an endpoint on network whose container does not
// exist, as dockerd 20.10 sometimes does after parallel removals
// (moby/moby#43286): the network cannot be removed until the endpoint is
// force-disconnected by name. With no name, nothing can free it, like a
// daemon that counts an endpoint it no longer lists.
func (f *Engine) AddStaleEndpoint(network string, ep engine.NetworkEndpoint) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	n, err := f.networkLocked("add stale endpoint to", network)
	if err != nil {
		return err
	}
	if f.stale == nil {
		f.stale = map[string][]engine.NetworkEndpoint{}
	}
	f.stale[n.ID] = append(f.stale[n.ID], ep)
	return nil
}

// NetworkEndpoints lists the running containers attached to a network and
// its stale endpoints, by name.
func (f *Engine) NetworkEndpoints(ctx context.Context, network string) ([]engine.NetworkEndpoint, error) {
	f.record("NetworkEndpoints", network)
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("inspect network %s: %w", network, err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	n, err := f.networkLocked("inspect", network)
	if err != nil {
		return nil, err
	}
	var out []engine.NetworkEndpoint
	for _, c := range f.containers {
		if ep, ok := c.c.Networks[n.Name]; ok && ep.NetworkID == n.ID && c.c.State == stateRunning {
			out = append(out, engine.NetworkEndpoint{ContainerID: c.c.ID, Name: c.c.Name})
		}
	}
	out = append(out, f.stale[n.ID]...)
	slices.SortFunc(out, func(a, b engine.NetworkEndpoint) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// staleNamesLocked names a network's stale endpoints ("?" for one without
// a name).
func (f *Engine) staleNamesLocked(n *engine.Network) []string {
	var out []string
	for _, ep := range f.stale[n.ID] {
		out = append(out, cmpOr(ep.Name, "?"))
	}
	return out
}

// dropStaleLocked force-deletes the stale endpoint called name, as Docker
// does for a force-disconnect of a container it does not know.
func (f *Engine) dropStaleLocked(n *engine.Network, name string) bool {
	eps := f.stale[n.ID]
	i := slices.IndexFunc(eps, func(ep engine.NetworkEndpoint) bool { return ep.Name != "" && ep.Name == name })
	if i < 0 {
		return false
	}
	f.stale[n.ID] = slices.Delete(eps, i, i+1)
	return true
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
