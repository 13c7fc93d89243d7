package swarm

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"slices"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	swarmtypes "github.com/moby/moby/api/types/swarm"
	"github.com/moby/moby/client"

	"github.com/berth-dev/berth/engine/docker"
)

var _ Swarm = (*Client)(nil)

// Client talks to one swarm manager through the Docker API.
type Client struct {
	cli  *client.Client
	host string
}

// New returns a Client for the daemon opts name (DOCKER_HOST and friends,
// see docker.OptionsFromEnv). It does not contact the daemon.
func New(opts docker.Options) (*Client, error) {
	cli, host, err := docker.NewAPIClient(opts)
	if err != nil {
		return nil, err
	}
	return &Client{cli: cli, host: host}, nil
}

// Close releases idle connections.
func (c *Client) Close() error { return c.cli.Close() }

func namespaceFilter(project string) client.Filters {
	return client.Filters{}.Add("label", LabelNamespace+"="+project)
}

// wrap names the call and the daemon in an error, and says what to do
// when the daemon is not a swarm manager, the usual surprise.
func (c *Client) wrap(what string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	if cerrdefs.IsUnavailable(err) || cerrdefs.IsFailedPrecondition(err) {
		return fmt.Errorf("%s on %s: %w: the daemon must be a manager of an active swarm (docker swarm init, or point DOCKER_HOST at a manager)", what, c.host, err)
	}
	return fmt.Errorf("%s on %s: %w", what, c.host, err)
}

// Services lists project's services.
func (c *Client) Services(ctx context.Context, project string) ([]swarmtypes.Service, error) {
	res, err := c.cli.ServiceList(ctx, client.ServiceListOptions{Filters: namespaceFilter(project)})
	if err != nil {
		return nil, c.wrap("list services of stack "+project, err)
	}
	return res.Items, nil
}

// CreateService creates a service from spec. The image is taken as given:
// no registry is asked for its digest, so a local image on a one-node
// swarm works, and the spec berth compares later is the spec it sent.
func (c *Client) CreateService(ctx context.Context, spec swarmtypes.ServiceSpec) (string, error) {
	res, err := c.cli.ServiceCreate(ctx, client.ServiceCreateOptions{Spec: spec})
	if err != nil {
		return "", c.wrap("create service "+spec.Name, err)
	}
	return res.ID, nil
}

// UpdateService replaces service id's spec.
func (c *Client) UpdateService(ctx context.Context, id string, version uint64, spec swarmtypes.ServiceSpec) error {
	_, err := c.cli.ServiceUpdate(ctx, id, client.ServiceUpdateOptions{Version: swarmtypes.Version{Index: version}, Spec: spec})
	return c.wrap("update service "+spec.Name, err)
}

// RemoveService removes service id and, with it, its tasks.
func (c *Client) RemoveService(ctx context.Context, id string) error {
	_, err := c.cli.ServiceRemove(ctx, id, client.ServiceRemoveOptions{})
	if cerrdefs.IsNotFound(err) {
		return nil
	}
	return c.wrap("remove service "+id, err)
}

// Tasks lists the tasks of the services serviceIDs, in every state,
// including the tasks still shutting down of services just removed.
func (c *Client) Tasks(ctx context.Context, serviceIDs []string) ([]swarmtypes.Task, error) {
	if len(serviceIDs) == 0 {
		return nil, nil
	}
	res, err := c.cli.TaskList(ctx, client.TaskListOptions{Filters: client.Filters{}.Add("service", serviceIDs...)})
	if err == nil {
		return res.Items, nil
	}
	if !cerrdefs.IsNotFound(err) {
		return nil, c.wrap("list tasks", err)
	}
	// The manager refuses a filter on a service it no longer has, yet the
	// tasks of a removed service live on until their containers stop: list
	// them all and pick.
	res, err = c.cli.TaskList(ctx, client.TaskListOptions{})
	if err != nil {
		return nil, c.wrap("list tasks", err)
	}
	var out []swarmtypes.Task
	for _, t := range res.Items {
		if slices.Contains(serviceIDs, t.ServiceID) {
			out = append(out, t)
		}
	}
	return out, nil
}

// Networks lists project's networks.
func (c *Client) Networks(ctx context.Context, project string) ([]Network, error) {
	res, err := c.cli.NetworkList(ctx, client.NetworkListOptions{Filters: namespaceFilter(project)})
	if err != nil {
		return nil, c.wrap("list networks of stack "+project, err)
	}
	out := make([]Network, 0, len(res.Items))
	for _, n := range res.Items {
		nw := Network{
			ID:         n.ID,
			Name:       n.Name,
			Driver:     n.Driver,
			Labels:     n.Labels,
			Options:    n.Options,
			Attachable: n.Attachable,
			Internal:   n.Internal,
		}
		for _, cfg := range n.IPAM.Config {
			if cfg.Subnet.IsValid() {
				nw.Subnets = append(nw.Subnets, cfg.Subnet.String())
			}
		}
		out = append(out, nw)
	}
	return out, nil
}

// NetworkNames maps every swarm-scoped network's ID to its name.
func (c *Client) NetworkNames(ctx context.Context) (map[string]string, error) {
	res, err := c.cli.NetworkList(ctx, client.NetworkListOptions{Filters: client.Filters{}.Add("scope", "swarm")})
	if err != nil {
		return nil, c.wrap("list networks", err)
	}
	names := make(map[string]string, len(res.Items))
	for _, n := range res.Items {
		names[n.ID] = n.Name
	}
	return names, nil
}

// CreateNetwork creates a swarm-scoped network.
func (c *Client) CreateNetwork(ctx context.Context, n Network) (string, error) {
	opts := client.NetworkCreateOptions{
		Driver:     n.Driver,
		Scope:      "swarm",
		Attachable: n.Attachable,
		Internal:   n.Internal,
		Options:    n.Options,
		Labels:     n.Labels,
	}
	if len(n.Subnets) > 0 {
		opts.IPAM = &network.IPAM{}
		for _, s := range n.Subnets {
			p, err := netip.ParsePrefix(s)
			if err != nil {
				return "", fmt.Errorf("network %s: subnet %q: %w", n.Name, s, err)
			}
			opts.IPAM.Config = append(opts.IPAM.Config, network.IPAMConfig{Subnet: p})
		}
	}
	res, err := c.cli.NetworkCreate(ctx, n.Name, opts)
	if err != nil {
		return "", c.wrap("create network "+n.Name, err)
	}
	return res.ID, nil
}

// RemoveNetwork removes network id.
func (c *Client) RemoveNetwork(ctx context.Context, id string) error {
	_, err := c.cli.NetworkRemove(ctx, id, client.NetworkRemoveOptions{})
	if cerrdefs.IsNotFound(err) {
		return nil
	}
	return c.wrap("remove network "+id, err)
}

// Secrets lists project's secrets (without their data: the API never
// returns it).
func (c *Client) Secrets(ctx context.Context, project string) ([]swarmtypes.Secret, error) {
	res, err := c.cli.SecretList(ctx, client.SecretListOptions{Filters: namespaceFilter(project)})
	if err != nil {
		return nil, c.wrap("list secrets of stack "+project, err)
	}
	return res.Items, nil
}

// SecretIDs looks secrets up by exact name.
func (c *Client) SecretIDs(ctx context.Context, names []string) (map[string]string, error) {
	ids := map[string]string{}
	if len(names) == 0 {
		return ids, nil
	}
	// The name filter matches prefixes: the exact match is picked here.
	res, err := c.cli.SecretList(ctx, client.SecretListOptions{Filters: client.Filters{}.Add("name", names...)})
	if err != nil {
		return nil, c.wrap("look up secrets", err)
	}
	for _, s := range res.Items {
		if slices.Contains(names, s.Spec.Name) {
			ids[s.Spec.Name] = s.ID
		}
	}
	return ids, nil
}

// ConfigIDs looks configs up by exact name.
func (c *Client) ConfigIDs(ctx context.Context, names []string) (map[string]string, error) {
	ids := map[string]string{}
	if len(names) == 0 {
		return ids, nil
	}
	res, err := c.cli.ConfigList(ctx, client.ConfigListOptions{Filters: client.Filters{}.Add("name", names...)})
	if err != nil {
		return nil, c.wrap("look up configs", err)
	}
	for _, cfg := range res.Items {
		if slices.Contains(names, cfg.Spec.Name) {
			ids[cfg.Spec.Name] = cfg.ID
		}
	}
	return ids, nil
}

// CreateSecret creates a secret.
func (c *Client) CreateSecret(ctx context.Context, spec swarmtypes.SecretSpec) (string, error) {
	res, err := c.cli.SecretCreate(ctx, client.SecretCreateOptions{Spec: spec})
	if err != nil {
		return "", c.wrap("create secret "+spec.Name, err)
	}
	return res.ID, nil
}

// RemoveSecret removes secret id.
func (c *Client) RemoveSecret(ctx context.Context, id string) error {
	_, err := c.cli.SecretRemove(ctx, id, client.SecretRemoveOptions{})
	if cerrdefs.IsNotFound(err) {
		return nil
	}
	return c.wrap("remove secret "+id, err)
}

// Configs lists project's configs, with their data.
func (c *Client) Configs(ctx context.Context, project string) ([]swarmtypes.Config, error) {
	res, err := c.cli.ConfigList(ctx, client.ConfigListOptions{Filters: namespaceFilter(project)})
	if err != nil {
		return nil, c.wrap("list configs of stack "+project, err)
	}
	return res.Items, nil
}

// CreateConfig creates a config.
func (c *Client) CreateConfig(ctx context.Context, spec swarmtypes.ConfigSpec) (string, error) {
	res, err := c.cli.ConfigCreate(ctx, client.ConfigCreateOptions{Spec: spec})
	if err != nil {
		return "", c.wrap("create config "+spec.Name, err)
	}
	return res.ID, nil
}

// RemoveConfig removes config id.
func (c *Client) RemoveConfig(ctx context.Context, id string) error {
	_, err := c.cli.ConfigRemove(ctx, id, client.ConfigRemoveOptions{})
	if cerrdefs.IsNotFound(err) {
		return nil
	}
	return c.wrap("remove config "+id, err)
}

// ServiceLogs copies service id's log; with Follow it returns once ctx
// ends.
func (c *Client) ServiceLogs(ctx context.Context, id string, opts LogOptions, stdout, stderr io.Writer) error {
	rc, err := c.cli.ServiceLogs(ctx, id, client.ServiceLogsOptions{
		ShowStdout: true,
		ShowStderr: true,
		Follow:     opts.Follow,
		Tail:       opts.Tail,
		Since:      opts.Since,
		Until:      opts.Until,
		Timestamps: opts.Timestamps,
	})
	if err != nil {
		return c.wrap("logs of service "+id, err)
	}
	defer rc.Close()
	// Service logs are multiplexed unless the service has a TTY.
	br := bufio.NewReader(rc)
	if h, err := br.Peek(8); err == nil && h[0] <= 2 && h[1] == 0 && h[2] == 0 && h[3] == 0 {
		_, err = stdcopy.StdCopy(stdout, stderr, br)
		return c.logErr(ctx, opts, id, err)
	}
	_, err = io.Copy(stdout, br)
	return c.logErr(ctx, opts, id, err)
}

func (c *Client) logErr(ctx context.Context, opts LogOptions, id string, err error) error {
	if err != nil && opts.Follow && ctx.Err() != nil {
		return nil
	}
	return c.wrap("logs of service "+id, err)
}

// Containers lists this node's containers of project's tasks.
func (c *Client) Containers(ctx context.Context, project string) (running, stopped []string, err error) {
	res, err := c.cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: namespaceFilter(project)})
	if err != nil {
		return nil, nil, c.wrap("list containers of stack "+project, err)
	}
	for _, ctr := range res.Items {
		if ctr.State == container.StateRunning || ctr.State == container.StateRestarting {
			running = append(running, ctr.ID)
		} else {
			stopped = append(stopped, ctr.ID)
		}
	}
	return running, stopped, nil
}

// RemoveContainer removes a stopped container of a task.
func (c *Client) RemoveContainer(ctx context.Context, id string) error {
	_, err := c.cli.ContainerRemove(ctx, id, client.ContainerRemoveOptions{})
	if cerrdefs.IsNotFound(err) || cerrdefs.IsConflict(err) {
		return nil
	}
	return c.wrap("remove container "+id, err)
}

// Nodes lists the swarm's nodes, sorted by hostname.
func (c *Client) Nodes(ctx context.Context) ([]swarmtypes.Node, error) {
	res, err := c.cli.NodeList(ctx, client.NodeListOptions{})
	if err != nil {
		return nil, c.wrap("list nodes", err)
	}
	slices.SortFunc(res.Items, func(a, b swarmtypes.Node) int {
		switch {
		case a.Description.Hostname < b.Description.Hostname:
			return -1
		case a.Description.Hostname > b.Description.Hostname:
			return 1
		}
		return 0
	})
	return res.Items, nil
}

// Manager checks that the daemon manages an active swarm.
func (c *Client) Manager(ctx context.Context) error {
	res, err := c.cli.Info(ctx, client.InfoOptions{})
	if err != nil {
		return fmt.Errorf("connect to %s: %w: start dockerd, or set DOCKER_HOST to a swarm manager", c.host, err)
	}
	sw := res.Info.Swarm
	switch {
	case sw.LocalNodeState != swarmtypes.LocalNodeStateActive:
		return fmt.Errorf("the daemon at %s is not part of a swarm (state %q): run `docker swarm init`, or set DOCKER_HOST to a swarm manager", c.host, sw.LocalNodeState)
	case !sw.ControlAvailable:
		return fmt.Errorf("the daemon at %s is a swarm worker: deploy through a manager (set DOCKER_HOST to one; `docker node ls` on a manager lists them)", c.host)
	}
	return nil
}
