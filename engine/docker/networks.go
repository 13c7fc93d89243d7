package docker

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"sort"

	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"
	"github.com/moby/moby/client/pkg/versions"

	"github.com/berth-dev/berth/engine"
)

// Networks lists the project's networks in one call. Engines do not report
// attached containers in a list, so Containers stays empty.
func (e *Engine) Networks(ctx context.Context, project string) ([]engine.Network, error) {
	var res client.NetworkListResult
	err := e.call(ctx, "list networks of project "+project, idempotent, func(ctx context.Context) error {
		var err error
		res, err = e.cli.NetworkList(ctx, client.NetworkListOptions{Filters: projectFilter(project)})
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make([]engine.Network, 0, len(res.Items))
	for _, n := range res.Items {
		out = append(out, fromNetwork(n.Network, nil))
	}
	return out, nil
}

func fromNetwork(n network.Network, containers map[string]network.EndpointResource) engine.Network {
	out := engine.Network{ID: n.ID, Name: n.Name, Driver: n.Driver, Labels: n.Labels, Internal: n.Internal}
	for id := range containers {
		out.Containers = append(out.Containers, id)
	}
	sort.Strings(out.Containers)
	return out
}

// InspectNetwork finds the network called name (or with ID name). The
// engine also resolves a name as an ID prefix, so the answer is checked: a
// network named "db" is not the network whose ID starts with "db".
func (e *Engine) InspectNetwork(ctx context.Context, name string) (engine.Network, error) {
	var res client.NetworkInspectResult
	err := e.call(ctx, "inspect network "+name, idempotent, func(ctx context.Context) error {
		var err error
		res, err = e.cli.NetworkInspect(ctx, name, client.NetworkInspectOptions{})
		return err
	})
	if err != nil {
		return engine.Network{}, err
	}
	if res.Network.Name != name && res.Network.ID != name {
		return engine.Network{}, &opError{"inspect network " + name, engine.ErrNotFound, fmt.Errorf("no network is named %s (%s only matches the ID of %s)", name, name, res.Network.Name), ""}
	}
	return fromNetwork(res.Network.Network, res.Network.Containers), nil
}

// CreateNetwork creates spec's network and returns its ID.
func (e *Engine) CreateNetwork(ctx context.Context, spec engine.NetworkSpec) (string, error) {
	opts, err := networkCreateOptions(spec)
	if err != nil {
		return "", fmt.Errorf("create network %s: %w", spec.Name, err)
	}
	version, err := e.APIVersion(ctx)
	if err != nil {
		return "", err
	}
	if versions.LessThan(version, multiNetworkAPI) {
		// Before API 1.44 the engine creates a second network with the same
		// name unless asked not to, and this client can no longer ask
		// (CheckDuplicate is gone from its request type). Look first; two
		// concurrent creates can still race, which the planner never does
		// for one project.
		if existing, err := e.InspectNetwork(ctx, spec.Name); err == nil {
			return "", &opError{"create network " + spec.Name, engine.ErrConflict,
				fmt.Errorf("network with name %s already exists (ID %s)", spec.Name, existing.ID), ""}
		} else if !errors.Is(err, engine.ErrNotFound) {
			return "", err
		}
	}
	var res client.NetworkCreateResult
	err = e.call(ctx, "create network "+spec.Name, once, func(ctx context.Context) error {
		var err error
		res, err = e.cli.NetworkCreate(ctx, spec.Name, opts)
		return err
	})
	if err != nil {
		return "", err
	}
	return res.ID, nil
}

// networkCreateOptions is compose's createNetwork request, minus the labels
// the caller already put in spec.Labels.
func networkCreateOptions(spec engine.NetworkSpec) (client.NetworkCreateOptions, error) {
	n := spec.Config
	opts := client.NetworkCreateOptions{
		Driver:     n.Driver,
		Options:    n.DriverOpts,
		Internal:   n.Internal,
		Attachable: n.Attachable,
		EnableIPv4: n.EnableIPv4,
		EnableIPv6: n.EnableIPv6,
		Labels:     mergeLabels(n.Labels, spec.Labels),
	}
	if n.Ipam.Driver != "" || len(n.Ipam.Config) > 0 || len(n.Ipam.Options) > 0 {
		ipam := &network.IPAM{Driver: n.Ipam.Driver, Options: n.Ipam.Options}
		for _, pool := range n.Ipam.Config {
			if pool == nil {
				continue
			}
			c, err := ipamPool(pool.Subnet, pool.IPRange, pool.Gateway, pool.AuxiliaryAddresses)
			if err != nil {
				return client.NetworkCreateOptions{}, fmt.Errorf("ipam: %w", err)
			}
			ipam.Config = append(ipam.Config, c)
		}
		opts.IPAM = ipam
	}
	if spec.Subnet.IsValid() {
		if opts.IPAM == nil {
			opts.IPAM = &network.IPAM{}
		}
		opts.IPAM.Config = append(opts.IPAM.Config, network.IPAMConfig{Subnet: spec.Subnet})
	}
	return opts, nil
}

func ipamPool(subnet, ipRange, gateway string, aux map[string]string) (network.IPAMConfig, error) {
	var c network.IPAMConfig
	var err error
	if subnet != "" {
		if c.Subnet, err = netip.ParsePrefix(subnet); err != nil {
			return c, fmt.Errorf("subnet %q: %w", subnet, err)
		}
	}
	if ipRange != "" {
		if c.IPRange, err = netip.ParsePrefix(ipRange); err != nil {
			return c, fmt.Errorf("ip_range %q: %w", ipRange, err)
		}
	}
	if gateway != "" {
		if c.Gateway, err = netip.ParseAddr(gateway); err != nil {
			return c, fmt.Errorf("gateway %q: %w", gateway, err)
		}
	}
	for name, addr := range aux {
		ip, err := netip.ParseAddr(addr)
		if err != nil {
			return c, fmt.Errorf("aux_addresses %s=%q: %w", name, addr, err)
		}
		if c.AuxAddress == nil {
			c.AuxAddress = map[string]netip.Addr{}
		}
		c.AuxAddress[name] = ip
	}
	return c, nil
}

// mergeLabels returns base overlaid with extra, or nil when both are empty.
func mergeLabels(base, extra map[string]string) map[string]string {
	if len(base) == 0 && len(extra) == 0 {
		return nil
	}
	out := make(map[string]string, len(base)+len(extra))
	maps.Copy(out, base)
	maps.Copy(out, extra)
	return out
}

// RemoveNetwork removes a network; ErrActiveEndpoints if containers are
// still attached.
func (e *Engine) RemoveNetwork(ctx context.Context, id string) error {
	return e.call(ctx, "remove network "+shortRef(id), removal, func(ctx context.Context) error {
		_, err := e.cli.NetworkRemove(ctx, id, client.NetworkRemoveOptions{})
		return err
	})
}

// ConnectNetwork attaches container to network with att's aliases,
// addresses and links.
func (e *Engine) ConnectNetwork(ctx context.Context, net, ctr string, att engine.NetworkAttachment) error {
	ep, err := endpointSettings(att)
	if err != nil {
		return fmt.Errorf("connect %s to network %s: %w", ctr, net, err)
	}
	return e.call(ctx, fmt.Sprintf("connect %s to network %s", ctr, net), once, func(ctx context.Context) error {
		_, err := e.cli.NetworkConnect(ctx, net, client.NetworkConnectOptions{Container: ctr, EndpointConfig: ep})
		return err
	})
}

// DisconnectNetwork detaches container from network.
func (e *Engine) DisconnectNetwork(ctx context.Context, net, ctr string, force bool) error {
	return e.call(ctx, fmt.Sprintf("disconnect %s from network %s", ctr, net), once, func(ctx context.Context) error {
		_, err := e.cli.NetworkDisconnect(ctx, net, client.NetworkDisconnectOptions{Container: ctr, Force: force})
		return err
	})
}
