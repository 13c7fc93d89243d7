package native

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"sort"
	"time"

	"github.com/docker/go-units"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/native/monitor"
)

// status is a container's state as observed now (see monitor.Status).
type status monitor.Status

// observe reads container c's state.
func (e *Engine) observe(c *container) (status, error) {
	return e.observeID(c.ID, c.Name)
}

// observeID is observe for the container of that ID and name.
func (e *Engine) observeID(id, name string) (status, error) {
	s, err := monitor.Observe(e.containerDir(id), id)
	if err != nil {
		return status{}, fmt.Errorf("read the state of container %s: %w", name, err)
	}
	return status(s), nil
}

// running is whether the container's processes run (or are frozen).
func (s status) running() bool { return monitor.Status(s).Running() }

// view turns a record and its state into what callers see.
func (c *container) view(s status, now time.Time) engine.Container {
	out := engine.Container{
		ID:           c.ID,
		Name:         c.Name,
		Image:        c.Image,
		ImageID:      c.ImageID,
		Command:      c.Command,
		Labels:       c.Labels,
		State:        s.Status,
		Health:       s.Health,
		Created:      c.Created,
		Ports:        c.Ports,
		Mounts:       c.Reported,
		RestartCount: s.RestartCount,
	}
	if s.Status == "exited" {
		out.ExitCode = s.ExitCode
	}
	out.Ports = slices.Clone(c.Ports)
	for i := range out.Ports {
		if out.Ports[i].HostIP == "" {
			// Published on every interface, as docker reports it.
			out.Ports[i].HostIP = "0.0.0.0"
		}
	}
	if len(c.Networks) > 0 {
		out.Networks = map[string]engine.Endpoint{}
		for _, a := range c.Networks {
			ep := engine.Endpoint{NetworkID: a.NetworkID, Aliases: a.Aliases}
			if a.Addr.IsValid() {
				ep.IPAddress = a.Addr.Addr().String()
			}
			out.Networks[a.Network] = ep
		}
	}
	out.Status = humanStatus(s, now)
	return out
}

// humanStatus is docker's status column: "Up 3 seconds (healthy)",
// "Exited (3) 2 minutes ago".
func humanStatus(s status, now time.Time) string {
	var out string
	switch s.Status {
	case "created":
		return "Created"
	case "running", "paused":
		out = "Up " + units.HumanDuration(now.Sub(s.StartedAt))
		if s.Status == "paused" {
			out += " (Paused)"
		}
	case "restarting":
		out = fmt.Sprintf("Restarting (%d) %s ago", s.ExitCode, units.HumanDuration(now.Sub(s.FinishedAt)))
	case "exited":
		if s.FinishedAt.IsZero() {
			return fmt.Sprintf("Exited (%d)", s.ExitCode)
		}
		return fmt.Sprintf("Exited (%d) %s ago", s.ExitCode, units.HumanDuration(now.Sub(s.FinishedAt)))
	default:
		out = s.Status
	}
	switch s.Health {
	case "starting":
		out += " (health: starting)"
	case "healthy", "unhealthy":
		out += " (" + s.Health + ")"
	}
	return out
}

// list returns the containers keep accepts, viewed now, sorted by creation.
func (e *Engine) list(keep func(c *container, s status) bool) ([]engine.Container, error) {
	all, err := e.allContainers()
	if err != nil {
		return nil, err
	}
	now := time.Now()
	out := []engine.Container{}
	for _, c := range all {
		s, err := e.observe(c)
		if err != nil {
			return nil, err
		}
		if keep(c, s) {
			out = append(out, c.view(s, now))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Created.After(out[j].Created) })
	return out, nil
}

// Containers lists the project's containers, running or not.
func (e *Engine) Containers(ctx context.Context, project string) ([]engine.Container, error) {
	return e.list(func(c *container, _ status) bool { return c.Labels[engine.LabelProject] == project })
}

// ProjectContainers lists every project's containers: only running ones
// unless all is set.
func (e *Engine) ProjectContainers(ctx context.Context, all bool) ([]engine.Container, error) {
	return e.list(func(c *container, s status) bool {
		_, ok := c.Labels[engine.LabelProject]
		return ok && (all || s.running())
	})
}

// LeaseContainers lists lease containers, and the host watchers, which
// hold leases in their place (see StartHostWatcher).
func (e *Engine) LeaseContainers(ctx context.Context) ([]engine.Container, error) {
	out, err := e.list(func(c *container, _ status) bool {
		_, ok := c.Labels[engine.LabelLease]
		return ok
	})
	if err != nil {
		return nil, err
	}
	hosts, err := e.hostLeases()
	return append(out, hosts...), err
}

// InspectContainer returns container ref (ID, name or ID prefix) now.
func (e *Engine) InspectContainer(ctx context.Context, ref string) (engine.Container, error) {
	c, err := e.lookup(ref)
	if err != nil {
		return engine.Container{}, err
	}
	s, err := e.observe(c)
	if err != nil {
		return engine.Container{}, err
	}
	return c.view(s, time.Now()), nil
}

// HealthLog returns the outputs of the latest health probes, oldest first.
func (e *Engine) HealthLog(ctx context.Context, ref string) ([]string, error) {
	c, err := e.lookup(ref)
	if err != nil {
		return nil, err
	}
	s, err := e.observe(c)
	if err != nil {
		return nil, err
	}
	return s.HealthLog, nil
}

// pollInterval is how often a waiter rereads state.json. The monitor
// renames a new state into place, so a reader never sees half of one.
const pollInterval = 20 * time.Millisecond

// WaitContainer blocks until the container is not running and returns its
// exit code; a container that never started returns 0 at once, as
// docker's "not-running" condition does.
func (e *Engine) WaitContainer(ctx context.Context, ref string) (int, error) {
	if code, ok, err := e.waitHostWatcher(ctx, ref); ok {
		return code, err
	}
	c, err := e.lookup(ref)
	if err != nil {
		return 0, err
	}
	t := time.NewTicker(pollInterval)
	defer t.Stop()
	for {
		s, err := e.observe(c)
		if err != nil {
			return 0, err
		}
		switch {
		case s.Status == "exited":
			return s.ExitCode, nil
		case s.Status == "created":
			return 0, nil
		}
		select {
		case <-ctx.Done():
			return 0, fmt.Errorf("wait for container %s: %w", c.Name, ctx.Err())
		case <-t.C:
		}
		if _, err := os.Stat(e.recordPath(c.ID)); errors.Is(err, fs.ErrNotExist) {
			// Removed while we waited (--rm): it ended with what it had.
			return s.ExitCode, nil
		}
	}
}
