// Package oneoff holds the decisions of the commands that work on one
// container of a service, as docker compose's run, exec and attach do: how
// run's flags change the service it runs, and which container exec and
// attach mean. It only decides; cmd/berth does the I/O, through
// reconcile.CreateOneOff and package follow.
package oneoff

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/format"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/mattn/go-shellwords"

	"github.com/berth-dev/berth/engine"
)

// RunOptions are run's changes to the service it runs. The zero value
// runs the service as configured, less its published ports.
type RunOptions struct {
	// Command replaces the service's command when not empty.
	Command []string
	// Entrypoint, when set, replaces the entrypoint (split as a shell
	// would); an empty one clears it. Without Command it clears the
	// service's command too, as compose does.
	Entrypoint *string
	// Env are KEY=VALUE pairs, or KEY alone to take the value from the
	// project's environment; they override the service's.
	Env        []string
	User       string
	WorkingDir string
	// ServicePorts publishes the service's ports; without it only Publish
	// is published.
	ServicePorts bool
	Publish      []string
	Volumes      []string // extra volumes, in compose's short syntax
	Labels       []string // KEY=VALUE, added to the service's
	Name         string   // container name; empty lets run make one up
	TTY          bool
	Interactive  bool
	CapAdd       []string
	CapDrop      []string
}

// Apply returns the service name of p as run o runs it. p is not changed.
func Apply(p *types.Project, name string, o RunOptions) (types.ServiceConfig, error) {
	svc, err := p.GetService(name)
	if err != nil {
		return types.ServiceConfig{}, fmt.Errorf("no such service %q in project %s", name, p.Name)
	}
	if o.ServicePorts && len(o.Publish) > 0 {
		return types.ServiceConfig{}, errors.New("--service-ports and --publish are incompatible: use one")
	}
	svc.Tty = o.TTY
	svc.StdinOpen = o.Interactive
	svc.ContainerName = o.Name
	if len(o.Command) > 0 {
		svc.Command = slices.Clone(o.Command)
	}
	if o.User != "" {
		svc.User = o.User
	}
	// As compose: a capability added is no longer dropped, and the other
	// way round.
	if len(o.CapAdd) > 0 {
		svc.CapAdd = append(slices.Clone(svc.CapAdd), o.CapAdd...)
		svc.CapDrop = slices.DeleteFunc(slices.Clone(svc.CapDrop), func(c string) bool { return slices.Contains(o.CapAdd, c) })
	}
	if len(o.CapDrop) > 0 {
		svc.CapDrop = append(slices.Clone(svc.CapDrop), o.CapDrop...)
		svc.CapAdd = slices.DeleteFunc(slices.Clone(svc.CapAdd), func(c string) bool { return slices.Contains(o.CapDrop, c) })
	}
	if o.WorkingDir != "" {
		svc.WorkingDir = o.WorkingDir
	}
	if o.Entrypoint != nil {
		words, err := shellwords.Parse(*o.Entrypoint)
		if err != nil {
			return types.ServiceConfig{}, fmt.Errorf("--entrypoint %q: %w", *o.Entrypoint, err)
		}
		svc.Entrypoint = words
		if len(o.Command) == 0 {
			svc.Command = types.ShellCommand{}
		}
	}
	if len(o.Env) > 0 {
		override := types.NewMappingWithEquals(o.Env).Resolve(func(k string) (string, bool) {
			v, ok := p.Environment[k]
			return v, ok
		}).RemoveEmpty()
		env := maps.Clone(svc.Environment)
		if env == nil {
			env = types.MappingWithEquals{}
		}
		svc.Environment = env.OverrideBy(override)
	}
	if !o.ServicePorts {
		svc.Ports = nil
		for _, spec := range o.Publish {
			ports, err := types.ParsePortConfig(spec)
			if err != nil {
				return types.ServiceConfig{}, fmt.Errorf("--publish %q: %w", spec, err)
			}
			svc.Ports = append(svc.Ports, ports...)
		}
	}
	if len(o.Volumes) > 0 {
		svc.Volumes = slices.Clone(svc.Volumes)
		for _, spec := range o.Volumes {
			v, err := format.ParseVolume(spec)
			if err != nil {
				return types.ServiceConfig{}, fmt.Errorf("--volume %q: %w", spec, err)
			}
			svc.Volumes = append(svc.Volumes, v)
		}
	}
	if len(o.Labels) > 0 {
		svc.Labels = maps.Clone(svc.Labels)
		for _, l := range o.Labels {
			k, v, _ := strings.Cut(l, "=")
			if k == "" {
				return types.ServiceConfig{}, fmt.Errorf("--label %q: want KEY=VALUE", l)
			}
			svc.Labels = svc.Labels.Add(k, v)
		}
	}
	return svc, nil
}

// ErrNotRunning is returned by Pick when the service has no running
// container with the index asked for.
var ErrNotRunning = errors.New("not running")

// Pick finds the running container number index of service among a
// project's containers, one-off containers left out, as exec and attach
// do.
func Pick(containers []engine.Container, service string, index int) (engine.Container, error) {
	for _, c := range containers {
		if c.Labels[engine.LabelService] != service || c.Labels[engine.LabelOneoff] == "True" {
			continue
		}
		if c.Labels[engine.LabelNumber] == strconv.Itoa(index) && c.State == "running" {
			return c, nil
		}
	}
	if index == 1 {
		return engine.Container{}, fmt.Errorf("service %q is %w: start it with berth up -d %s", service, ErrNotRunning, service)
	}
	return engine.Container{}, fmt.Errorf("service %q has no running container #%d (%w): see berth ps %s", service, index, ErrNotRunning, service)
}
