package stack

import (
	"context"

	swarmtypes "github.com/moby/moby/api/types/swarm"

	"github.com/berth-dev/berth/engine/swarm"
)

// State is what the swarm holds of a project.
type State struct {
	Services []swarmtypes.Service
	Networks []swarm.Network
	Secrets  []swarmtypes.Secret
	Configs  []swarmtypes.Config
	// NetworkNames maps every swarm network's ID to its name, to read the
	// targets of the services' attachments, which the manager stores by ID.
	NetworkNames map[string]string
	// External maps "secret/NAME" and "config/NAME" to the IDs of the
	// external objects the file refers to that exist (see ObserveFor).
	External map[string]string
}

// Observe reads project's state from the swarm: one list call per kind.
func Observe(ctx context.Context, r swarm.Reader, project string) (State, error) {
	var st State
	var err error
	if st.Services, err = r.Services(ctx, project); err != nil {
		return State{}, err
	}
	if st.Networks, err = r.Networks(ctx, project); err != nil {
		return State{}, err
	}
	if st.Secrets, err = r.Secrets(ctx, project); err != nil {
		return State{}, err
	}
	if st.Configs, err = r.Configs(ctx, project); err != nil {
		return State{}, err
	}
	if st.NetworkNames, err = r.NetworkNames(ctx); err != nil {
		return State{}, err
	}
	return st, nil
}

// ObserveFor is Observe plus a look-up of the external secrets and
// configs d refers to, which carry no label of the project.
func ObserveFor(ctx context.Context, r swarm.Reader, d Desired) (State, error) {
	st, err := Observe(ctx, r, d.Project)
	if err != nil {
		return State{}, err
	}
	var secrets, configs []string
	for _, o := range d.objects {
		switch {
		case !o.external:
		case o.kind == kindSecret:
			secrets = append(secrets, o.name)
		default:
			configs = append(configs, o.name)
		}
	}
	st.External = map[string]string{}
	for kind, names := range map[string][]string{kindSecret: secrets, kindConfig: configs} {
		lookup := r.SecretIDs
		if kind == kindConfig {
			lookup = r.ConfigIDs
		}
		ids, err := lookup(ctx, names)
		if err != nil {
			return State{}, err
		}
		for name, id := range ids {
			st.External[kind+"/"+name] = id
		}
	}
	return st, nil
}

// service finds the service named name (a swarm name) in st.
func (st State) service(name string) (swarmtypes.Service, bool) {
	for _, s := range st.Services {
		if s.Spec.Name == name {
			return s, true
		}
	}
	return swarmtypes.Service{}, false
}
