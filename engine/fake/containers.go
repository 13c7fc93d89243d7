package fake

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/berth-dev/berth/engine"
)

const (
	stateCreated = "created"
	stateRunning = "running"
	stateExited  = "exited"
)

// validName is Docker's rule for container names.
var validName = regexp.MustCompile(`^/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$`)

// Containers lists the project's containers, running or not.
func (f *Engine) Containers(ctx context.Context, project string) ([]engine.Container, error) {
	f.record("Containers", project)
	if err := hook1(ctx, "list containers of project "+project, f.Hooks.Containers, project); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []engine.Container
	for _, c := range f.containers {
		if hasProject(c.c.Labels, project) {
			out = append(out, c.view())
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// CreateContainer creates a container in state "created". Like Docker it
// fails with ErrConflict for a taken name and ErrNotFound for a missing
// image, network, or referenced container, and creates missing named volumes
// (unlabelled) on the fly.
func (f *Engine) CreateContainer(ctx context.Context, spec engine.ContainerSpec) (string, error) {
	f.record("CreateContainer", spec.Name)
	if err := hook1(ctx, "create container "+spec.Name, f.Hooks.CreateContainer, spec); err != nil {
		return "", err
	}
	f.mu.Lock()
	defer f.mu.Unlock()

	name := strings.TrimPrefix(spec.Name, "/")
	// Docker makes up a name ("quirky_turing"); the fake counts instead.
	for n := len(f.containers) + 1; name == ""; n++ {
		if f.containerByExactName(fmt.Sprintf("fake_%d", n)) == nil {
			name = fmt.Sprintf("fake_%d", n)
		}
	}
	if !validName.MatchString(name) {
		return "", fmt.Errorf("create container %q: invalid name, only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", name)
	}
	if other := f.containerByExactName(name); other != nil {
		return "", fmt.Errorf("create container %s: name already in use by container %s: %w", name, short(other.c.ID), engine.ErrConflict)
	}
	img := f.findImageLocked(spec.Service.Image)
	if img == nil {
		// The one error type every engine returns for a missing image.
		return "", fmt.Errorf("create container %s: %w", name, &engine.ImageNotFoundError{Ref: spec.Service.Image})
	}
	endpoints := map[string]engine.Endpoint{}
	for _, att := range spec.Networks {
		n := f.findNetworkLocked(att.Network)
		if n == nil {
			return "", fmt.Errorf("create container %s: network %s: %w", name, att.Network, engine.ErrNotFound)
		}
		endpoints[n.Name] = endpointFor(n, att)
	}
	for _, ref := range joinedContainers(spec.Service) {
		if f.findContainerLocked(ref) == nil {
			return "", fmt.Errorf("create container %s: joined container %s: %w", name, ref, engine.ErrNotFound)
		}
	}
	var inherit *container
	if spec.InheritVolumesFrom != "" {
		if inherit = f.findContainerLocked(spec.InheritVolumesFrom); inherit == nil {
			return "", fmt.Errorf("create container %s: inherit volumes from %s: %w", name, spec.InheritVolumesFrom, engine.ErrNotFound)
		}
	}
	var from []*container
	for _, vf := range spec.Service.VolumesFrom {
		ref := strings.TrimPrefix(vf, types.ContainerPrefix)
		if i := strings.LastIndex(ref, ":"); i > 0 && (ref[i+1:] == "ro" || ref[i+1:] == "rw") {
			ref = ref[:i]
		}
		c := f.findContainerLocked(ref)
		if c == nil {
			return "", fmt.Errorf("create container %s: volumes_from %s: %w", name, vf, engine.ErrNotFound)
		}
		from = append(from, c)
	}

	id := f.newID("container", name)
	labels := map[string]string{}
	for k, v := range img.Labels { // Docker merges the image's labels under the container's
		labels[k] = v
	}
	for k, v := range spec.Labels {
		labels[k] = v
	}
	stored := spec
	stored.Name = name
	stored.Labels = labels
	stored.Networks = slices.Clone(spec.Networks)
	rec := &container{
		spec: stored,
		c: engine.Container{
			ID:       id,
			Name:     name,
			Image:    spec.Service.Image,
			ImageID:  img.ID,
			Command:  strings.Join(append(slices.Clone(spec.Service.Entrypoint), spec.Service.Command...), " "),
			Labels:   labels,
			State:    stateCreated,
			Created:  f.now(),
			Networks: endpoints,
			Ports:    portsFor(spec.Service),
			Mounts:   f.mountsLocked(id, spec.Service, inherit, from),
		},
	}
	f.containers[id] = rec
	return id, nil
}

// joinedContainers lists the containers whose namespaces the service joins.
func joinedContainers(s types.ServiceConfig) []string {
	var out []string
	for _, mode := range []string{s.NetworkMode, s.Pid, s.Ipc} {
		if ref, ok := strings.CutPrefix(mode, types.ContainerPrefix); ok {
			out = append(out, ref)
		}
	}
	return out
}

func endpointFor(n *engine.Network, att engine.NetworkAttachment) engine.Endpoint {
	return engine.Endpoint{NetworkID: n.ID, IPAddress: att.IPv4Address, Aliases: slices.Clone(att.Aliases)}
}

// mountsLocked turns the service's volumes into mounts, creating the
// volumes Docker would create. Anonymous volumes are taken over from inherit
// when it has one at the same target. Callers hold f.mu.
func (f *Engine) mountsLocked(id string, s types.ServiceConfig, inherit *container, from []*container) []engine.Mount {
	var out []engine.Mount
	for _, v := range s.Volumes {
		m := engine.Mount{Type: v.Type, Source: v.Source, Destination: v.Target, ReadOnly: v.ReadOnly}
		if v.Type == types.VolumeTypeVolume {
			m.Name = v.Source
			if m.Name == "" {
				m.Name = f.inheritedVolume(inherit, v.Target)
			}
			if m.Name == "" {
				m.Name = f.newID("anonymous-volume", id+v.Target)
				f.volumes[m.Name] = &volume{v: engine.Volume{Name: m.Name, Driver: "local"}, anonymous: true}
			} else if f.volumes[m.Name] == nil {
				f.volumes[m.Name] = &volume{v: engine.Volume{Name: m.Name, Driver: "local"}}
			}
			m.Source = m.Name
		}
		out = append(out, m)
	}
	for _, c := range from {
		for _, m := range c.c.Mounts {
			if !slices.ContainsFunc(out, func(o engine.Mount) bool { return o.Destination == m.Destination }) {
				out = append(out, m)
			}
		}
	}
	return out
}

func (f *Engine) inheritedVolume(c *container, target string) string {
	if c == nil {
		return ""
	}
	for _, m := range c.c.Mounts {
		if m.Type == types.VolumeTypeVolume && m.Destination == target && f.volumes[m.Name] != nil && f.volumes[m.Name].anonymous {
			return m.Name
		}
	}
	return ""
}

// portsFor reports the service's ports as Docker lists them. Published
// ranges report their first port; an empty published port reports 0.
func portsFor(s types.ServiceConfig) []engine.Port {
	var out []engine.Port
	for _, p := range s.Ports {
		proto := p.Protocol
		if proto == "" {
			proto = "tcp"
		}
		host, _, _ := strings.Cut(p.Published, "-")
		hp, _ := strconv.ParseUint(host, 10, 16)
		out = append(out, engine.Port{HostIP: p.HostIP, HostPort: uint16(hp), ContainerPort: uint16(p.Target), Protocol: proto})
	}
	for _, e := range s.Expose {
		port, proto, ok := strings.Cut(e, "/")
		if !ok {
			proto = "tcp"
		}
		port, _, _ = strings.Cut(port, "-")
		cp, err := strconv.ParseUint(port, 10, 16)
		if err != nil {
			continue
		}
		out = append(out, engine.Port{ContainerPort: uint16(cp), Protocol: proto})
	}
	return out
}

// StartContainer starts a created or exited container; starting a running
// one does nothing, as with Docker. See the package doc for the exit and
// health conventions.
func (f *Engine) StartContainer(ctx context.Context, id string) error {
	f.record("StartContainer", id)
	if err := hook1(ctx, "start container "+short(id), f.Hooks.StartContainer, id); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.containerLocked("start", id)
	if err != nil {
		return err
	}
	if c.c.State == stateRunning {
		return nil
	}
	if c.c.State == statePaused {
		return fmt.Errorf("start container %s: cannot start a paused container, try unpause instead: %w", c.c.Name, engine.ErrConflict)
	}
	for name, ep := range c.c.Networks {
		if f.networks[ep.NetworkID] == nil {
			return fmt.Errorf("start container %s: network %s: %w", c.c.Name, name, engine.ErrNotFound)
		}
	}
	for _, ref := range joinedContainers(c.spec.Service) {
		j := f.findContainerLocked(ref)
		if j == nil {
			return fmt.Errorf("start container %s: joined container %s: %w", c.c.Name, ref, engine.ErrNotFound)
		}
		if j.c.State != stateRunning {
			return fmt.Errorf("start container %s: cannot join container %s, which is not running: %w", c.c.Name, j.c.Name, engine.ErrConflict)
		}
	}
	c.c.ExitCode = 0
	c.c.Health = ""
	c.healthLog = nil
	if code, ok := exitCommand(c.spec.Service.Command); ok {
		c.c.State = stateExited
		c.c.ExitCode = code
		c.detach()
		return nil
	}
	c.c.State = stateRunning
	c.done = make(chan struct{})
	if hc := c.spec.Service.HealthCheck; hc != nil && !hc.Disable && !slices.Equal(hc.Test, []string{"NONE"}) && len(hc.Test) > 0 {
		c.c.Health = "starting"
		if f.startHealth != nil {
			status, log := f.startHealth(c.spec)
			c.c.Health, c.healthLog = status, slices.Clone(log)
		}
	}
	return nil
}

// exitCommand recognises the ["exit", "N"] convention.
func exitCommand(cmd types.ShellCommand) (int, bool) {
	if len(cmd) != 2 || cmd[0] != "exit" {
		return 0, false
	}
	code, err := strconv.Atoi(cmd[1])
	if err != nil || code < 0 || code > 255 {
		return 0, false
	}
	return code, true
}

// StopContainer stops a running container with exit code 0; stopping a
// container that is not running does nothing, as with Docker.
func (f *Engine) StopContainer(ctx context.Context, id string, timeout *time.Duration) error {
	f.record("StopContainer", id)
	if err := hook2(ctx, "stop container "+short(id), f.Hooks.StopContainer, id, timeout); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.containerLocked("stop", id)
	if err != nil {
		return err
	}
	c.exit(0)
	return nil
}

// exit ends a running or paused container with code; callers hold f.mu.
func (c *container) exit(code int) {
	if c.done == nil {
		return
	}
	c.c.State = stateExited
	c.c.ExitCode = code
	close(c.done)
	c.done = nil
	c.detach()
}

// RemoveContainer removes a container; a running one only with Force
// (ErrConflict otherwise). With Volumes, its anonymous volumes go too unless
// another container still mounts them.
func (f *Engine) RemoveContainer(ctx context.Context, id string, opts engine.RemoveOptions) error {
	f.record("RemoveContainer", id)
	if err := hook2(ctx, "remove container "+short(id), f.Hooks.RemoveContainer, id, opts); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.containerLocked("remove", id)
	if err != nil {
		return err
	}
	if c.done != nil && !opts.Force {
		return fmt.Errorf("remove container %s: container is running: stop it first or remove with force: %w", c.c.Name, engine.ErrConflict)
	}
	c.exit(137)
	c.detach() // a container removed before it ran ends its attachments too
	delete(f.containers, c.c.ID)
	if opts.Volumes {
		for _, m := range c.c.Mounts {
			if v := f.volumes[m.Name]; v != nil && v.anonymous && !f.volumeInUseLocked(m.Name) {
				delete(f.volumes, m.Name)
			}
		}
	}
	return nil
}

// RenameContainer renames a container; ErrConflict if the name is taken.
func (f *Engine) RenameContainer(ctx context.Context, id, name string) error {
	f.record("RenameContainer", id, name)
	if err := hook2(ctx, "rename container "+short(id)+" to "+name, f.Hooks.RenameContainer, id, name); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.containerLocked("rename", id)
	if err != nil {
		return err
	}
	name = strings.TrimPrefix(name, "/")
	if !validName.MatchString(name) {
		return fmt.Errorf("rename container %s to %q: invalid name, only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", c.c.Name, name)
	}
	if other := f.containerByExactName(name); other != nil && other != c {
		return fmt.Errorf("rename container %s: name %s already in use by container %s: %w", c.c.Name, name, short(other.c.ID), engine.ErrConflict)
	}
	c.c.Name = name
	c.spec.Name = name
	return nil
}

// InspectContainer finds a container by ID, name or unique ID prefix.
func (f *Engine) InspectContainer(ctx context.Context, id string) (engine.Container, error) {
	f.record("InspectContainer", id)
	if err := hook1(ctx, "inspect container "+short(id), f.Hooks.InspectContainer, id); err != nil {
		return engine.Container{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.containerLocked("inspect", id)
	if err != nil {
		return engine.Container{}, err
	}
	return c.view(), nil
}

// HealthLog returns the lines last given to SetHealth.
func (f *Engine) HealthLog(ctx context.Context, id string) ([]string, error) {
	f.record("HealthLog", id)
	if err := hook1(ctx, "health log of container "+short(id), f.Hooks.HealthLog, id); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.containerLocked("health log of", id)
	if err != nil {
		return nil, err
	}
	return slices.Clone(c.healthLog), nil
}

// WaitContainer returns the exit code once the container is not running,
// at once when it is not running now (Docker's "not-running" condition).
func (f *Engine) WaitContainer(ctx context.Context, id string) (int, error) {
	f.record("WaitContainer", id)
	if err := hook1(ctx, "wait for container "+short(id), f.Hooks.WaitContainer, id); err != nil {
		return 0, err
	}
	f.mu.Lock()
	c, err := f.containerLocked("wait for", id)
	if err != nil {
		f.mu.Unlock()
		return 0, err
	}
	done := c.done
	f.mu.Unlock()
	if done != nil {
		select {
		case <-done:
		case <-ctx.Done():
			return 0, fmt.Errorf("wait for container %s: %w", short(id), ctx.Err())
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	// c may have been removed meanwhile; its record still holds the exit code.
	return c.c.ExitCode, nil
}

// view returns a copy that callers may keep and modify.
func (c *container) view() engine.Container {
	out := cloneContainer(c.c)
	switch out.State {
	case stateRunning:
		out.Status = "Up"
		if out.Health != "" {
			out.Status += " (" + out.Health + ")"
		}
	case stateExited:
		out.Status = fmt.Sprintf("Exited (%d)", out.ExitCode)
	default:
		out.Status = strings.ToUpper(out.State[:1]) + out.State[1:]
	}
	return out
}

// containerLocked looks a container up for an operation, wrapping
// ErrNotFound with what was attempted.
func (f *Engine) containerLocked(op, ref string) (*container, error) {
	c := f.findContainerLocked(ref)
	if c == nil {
		return nil, fmt.Errorf("%s container %s: no such container: %w", op, short(ref), engine.ErrNotFound)
	}
	return c, nil
}

// findContainerLocked resolves ref as Docker does: full ID, then name, then
// a unique ID prefix. Callers hold f.mu.
func (f *Engine) findContainerLocked(ref string) *container {
	if ref == "" {
		return nil
	}
	if c := f.containers[ref]; c != nil {
		return c
	}
	if c := f.containerByExactName(strings.TrimPrefix(ref, "/")); c != nil {
		return c
	}
	var found *container
	for id, c := range f.containers {
		if strings.HasPrefix(id, ref) {
			if found != nil {
				return nil // ambiguous prefix: Docker refuses to guess
			}
			found = c
		}
	}
	return found
}

func (f *Engine) containerByExactName(name string) *container {
	for _, c := range f.containers {
		if c.c.Name == name {
			return c
		}
	}
	return nil
}
