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

// service finds the service named name (a swarm name) in st.
func (st State) service(name string) (swarmtypes.Service, bool) {
	for _, s := range st.Services {
		if s.Spec.Name == name {
			return s, true
		}
	}
	return swarmtypes.Service{}, false
}
