package fake

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/berth-dev/berth/engine"
)

// Networks lists the project's networks.
func (f *Engine) Networks(ctx context.Context, project string) ([]engine.Network, error) {
	f.record("Networks", project)
	if err := hook1(ctx, "list networks of project "+project, f.Hooks.Networks, project); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []engine.Network
	for _, n := range f.networks {
		if hasProject(n.Labels, project) {
			out = append(out, f.networkView(n))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// InspectNetwork finds a network by ID, name or unique ID prefix.
func (f *Engine) InspectNetwork(ctx context.Context, name string) (engine.Network, error) {
	f.record("InspectNetwork", name)
	if err := hook1(ctx, "inspect network "+name, f.Hooks.InspectNetwork, name); err != nil {
		return engine.Network{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	n, err := f.networkLocked("inspect", name)
	if err != nil {
		return engine.Network{}, err
	}
	return f.networkView(n), nil
}

// CreateNetwork creates a network; ErrConflict if the name is taken.
func (f *Engine) CreateNetwork(ctx context.Context, spec engine.NetworkSpec) (string, error) {
	f.record("CreateNetwork", spec.Name)
	if err := hook1(ctx, "create network "+spec.Name, f.Hooks.CreateNetwork, spec); err != nil {
		return "", err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if spec.Name == "" {
		return "", fmt.Errorf("create network: a name is required")
	}
	if other := f.networkByExactName(spec.Name); other != nil {
		return "", fmt.Errorf("create network %s: already exists as %s: %w", spec.Name, short(other.ID), engine.ErrConflict)
	}
	subnets, err := f.requestedSubnetsLocked(spec)
	if err != nil {
		return "", err
	}
	driver := spec.Config.Driver
	if driver == "" {
		driver = "bridge"
	}
	n := &engine.Network{
		ID:       f.newID("network", spec.Name),
		Name:     spec.Name,
		Driver:   driver,
		Labels:   maps.Clone(spec.Labels),
		Internal: spec.Config.Internal,
	}
	f.networks[n.ID] = n
	f.setSubnetsLocked(n.ID, subnets)
	return n.ID, nil
}

// RemoveNetwork removes a network; ErrActiveEndpoints while a running
// container is attached. Stopped containers keep their (now dangling)
// attachment and fail to start, as with Docker.
func (f *Engine) RemoveNetwork(ctx context.Context, id string) error {
	f.record("RemoveNetwork", id)
	if err := hook1(ctx, "remove network "+short(id), f.Hooks.RemoveNetwork, id); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	n, err := f.networkLocked("remove", id)
	if err != nil {
		return err
	}
	if active := f.activeEndpointsLocked(n); len(active) > 0 {
		return fmt.Errorf("remove network %s: still used by running containers %s: stop them first: %w",
			n.Name, strings.Join(active, ", "), engine.ErrActiveEndpoints)
	}
	if stale := f.staleNamesLocked(n); len(stale) > 0 {
		return fmt.Errorf("remove network %s: stale endpoints %s: %w", n.Name, strings.Join(stale, ", "), engine.ErrActiveEndpoints)
	}
	delete(f.networks, n.ID)
	f.setSubnetsLocked(n.ID, nil)
	return nil
}

// ConnectNetwork attaches a container to a network; ErrConflict if it
// already is.
func (f *Engine) ConnectNetwork(ctx context.Context, network, container string, att engine.NetworkAttachment) error {
	f.record("ConnectNetwork", network, container)
	if err := hook3(ctx, "connect "+short(container)+" to network "+network, f.Hooks.ConnectNetwork, network, container, att); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	n, err := f.networkLocked("connect to", network)
	if err != nil {
		return err
	}
	c, err := f.containerLocked("connect", container)
	if err != nil {
		return err
	}
	if _, ok := c.c.Networks[n.Name]; ok {
		return fmt.Errorf("connect container %s to network %s: already attached: %w", c.c.Name, n.Name, engine.ErrConflict)
	}
	if c.c.Networks == nil {
		c.c.Networks = map[string]engine.Endpoint{}
	}
	c.c.Networks[n.Name] = endpointFor(n, att)
	return nil
}

// DisconnectNetwork detaches a container from a network; ErrNotFound if it
// is not attached. With force, a container that does not exist names a
// stale endpoint (see AddStaleEndpoint), which is deleted.
func (f *Engine) DisconnectNetwork(ctx context.Context, network, container string, force bool) error {
	f.record("DisconnectNetwork", network, container)
	if err := hook3(ctx, "disconnect "+short(container)+" from network "+network, f.Hooks.DisconnectNetwork, network, container, force); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	n, err := f.networkLocked("disconnect from", network)
	if err != nil {
		return err
	}
	c, err := f.containerLocked("disconnect", container)
	if err != nil && force && f.dropStaleLocked(n, container) {
		return nil
	}
	if err != nil {
		return err
	}
	if _, ok := c.c.Networks[n.Name]; !ok {
		return fmt.Errorf("disconnect container %s from network %s: not attached: %w", c.c.Name, n.Name, engine.ErrNotFound)
	}
	delete(c.c.Networks, n.Name)
	return nil
}

// activeEndpointsLocked names the running containers attached to n, sorted.
func (f *Engine) activeEndpointsLocked(n *engine.Network) []string {
	var out []string
	for _, c := range f.containers {
		if ep, ok := c.c.Networks[n.Name]; ok && ep.NetworkID == n.ID && c.c.State == stateRunning {
			out = append(out, c.c.Name)
		}
	}
	slices.Sort(out)
	return out
}

// networkView copies n and fills Containers with the IDs of the running
// containers attached, sorted.
func (f *Engine) networkView(n *engine.Network) engine.Network {
	out := cloneNetwork(*n)
	out.Containers = nil
	for _, c := range f.containers {
		if ep, ok := c.c.Networks[n.Name]; ok && ep.NetworkID == n.ID && c.c.State == stateRunning {
			out.Containers = append(out.Containers, c.c.ID)
		}
	}
	for _, ep := range f.stale[n.ID] {
		out.Containers = append(out.Containers, ep.ContainerID)
	}
	slices.Sort(out.Containers)
	return out
}

func (f *Engine) networkLocked(op, ref string) (*engine.Network, error) {
	n := f.findNetworkLocked(ref)
	if n == nil {
		return nil, fmt.Errorf("%s network %s: no such network: %w", op, short(ref), engine.ErrNotFound)
	}
	return n, nil
}

// findNetworkLocked resolves ref as Docker does: full ID, then name, then a
// unique ID prefix.
func (f *Engine) findNetworkLocked(ref string) *engine.Network {
	if ref == "" {
		return nil
	}
	if n := f.networks[ref]; n != nil {
		return n
	}
	if n := f.networkByExactName(ref); n != nil {
		return n
	}
	var found *engine.Network
	for id, n := range f.networks {
		if strings.HasPrefix(id, ref) {
			if found != nil {
				return nil
			}
			found = n
		}
	}
	return found
}

func (f *Engine) networkByExactName(name string) *engine.Network {
	for _, n := range f.networks {
		if n.Name == name {
			return n
		}
	}
	return nil
}
