package stack

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
	swarmtypes "github.com/moby/moby/api/types/swarm"

	"github.com/berth-dev/berth/engine/swarm"
)

// Desired is what a project asks of the swarm: the specs of its services
// in deploy order, and the networks, secrets and configs they use.
type Desired struct {
	Project  string
	Services []Service
	Networks []swarm.Network
	// objects are the secrets and configs the services use, external ones
	// included (they are never created or removed).
	objects []object
	// known are all the project's service names, those the command did
	// not select included: a service outside the selection is no orphan.
	known []string
	// Warnings name the compose keys a swarm ignores, per service.
	Warnings []string
}

// Service is one compose service as a swarm service spec.
type Service struct {
	Name string // the compose name, e.g. web
	Spec swarmtypes.ServiceSpec
}

// Build converts a loaded project into what it asks of the swarm. Keys a
// swarm cannot honour become warnings, or errors where deploying without
// them would change behaviour (see unsupported). Services come out in
// depends_on order, dependencies first, so that a first deploy creates
// them in that order; a swarm itself waits for nothing.
func Build(p *types.Project) (Desired, error) {
	d := Desired{Project: p.Name}
	var errs []error
	names := objectNames{secrets: map[string]string{}, configs: map[string]string{}}
	used := map[string]bool{}
	for _, s := range p.Services {
		for _, r := range s.Secrets {
			used[kindSecret+"/"+r.Source] = true
		}
		for _, r := range s.Configs {
			used[kindConfig+"/"+r.Source] = true
		}
	}
	for _, key := range slices.Sorted(maps.Keys(p.Secrets)) {
		if !used[kindSecret+"/"+key] {
			continue
		}
		o, err := fileObject(p, kindSecret, key, types.FileObjectConfig(p.Secrets[key]))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		names.secrets[key] = o.name
		d.objects = append(d.objects, o)
	}
	for _, key := range slices.Sorted(maps.Keys(p.Configs)) {
		if !used[kindConfig+"/"+key] {
			continue
		}
		o, err := fileObject(p, kindConfig, key, types.FileObjectConfig(p.Configs[key]))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		names.configs[key] = o.name
		d.objects = append(d.objects, o)
	}

	order, err := deployOrder(p)
	if err != nil {
		return Desired{}, err
	}
	networks := map[string]swarm.Network{}
	for _, name := range order {
		s := p.Services[name]
		warnings, serrs := unsupported(s)
		d.Warnings = append(d.Warnings, warnings...)
		errs = append(errs, serrs...)
		spec, err := serviceSpec(p, s, names)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		d.Services = append(d.Services, Service{Name: name, Spec: spec})
		for key := range serviceNetworkKeys(s) {
			nw := p.Networks[key]
			if bool(nw.External) {
				continue
			}
			n := overlay(p.Name, key, nw)
			networks[n.Name] = n
		}
	}
	for _, name := range slices.Sorted(maps.Keys(networks)) {
		d.Networks = append(d.Networks, networks[name])
	}
	d.known = slices.Concat(p.ServiceNames(), slices.Collect(maps.Keys(p.DisabledServices)))
	if err := errors.Join(errs...); err != nil {
		return Desired{}, err
	}
	return d, nil
}

func serviceNetworkKeys(s types.ServiceConfig) map[string]bool {
	keys := map[string]bool{}
	for k := range s.Networks {
		keys[k] = true
	}
	if len(keys) == 0 {
		keys["default"] = true
	}
	return keys
}

// overlay is the network a compose network becomes: an overlay unless the
// file names another driver, labelled as `docker stack deploy` labels it.
func overlay(project, key string, nw types.NetworkConfig) swarm.Network {
	n := swarm.Network{
		Name:       nw.Name,
		Driver:     nw.Driver,
		Labels:     withNamespace(project, nw.Labels),
		Options:    nw.DriverOpts,
		Attachable: nw.Attachable,
		Internal:   nw.Internal,
	}
	if n.Name == "" {
		n.Name = scope(project, key)
	}
	if n.Driver == "" {
		n.Driver = "overlay"
	}
	for _, pool := range nw.Ipam.Config {
		if pool != nil && pool.Subnet != "" {
			n.Subnets = append(n.Subnets, pool.Subnet)
		}
	}
	return n
}

// deployOrder sorts the services so that each comes after what it
// depends on, by name where the graph leaves a choice.
func deployOrder(p *types.Project) ([]string, error) {
	var order []string
	state := map[string]int{} // 1 visiting, 2 done
	var visit func(name string, path []string) error
	visit = func(name string, path []string) error {
		switch state[name] {
		case 1:
			return fmt.Errorf("depends_on cycle: %s -> %s", strings.Join(path, " -> "), name)
		case 2:
			return nil
		}
		state[name] = 1
		s := p.Services[name]
		for _, dep := range slices.Sorted(maps.Keys(s.DependsOn)) {
			if _, ok := p.Services[dep]; !ok {
				continue // not selected; the swarm already runs it, or not
			}
			if err := visit(dep, append(path, name)); err != nil {
				return err
			}
		}
		state[name] = 2
		order = append(order, name)
		return nil
	}
	for _, name := range p.ServiceNames() {
		if err := visit(name, nil); err != nil {
			return nil, err
		}
	}
	return order, nil
}
