package stack

import (
	"fmt"
	"slices"

	swarmtypes "github.com/moby/moby/api/types/swarm"
)

// selected returns the project's services that services names (all when
// empty), or an error naming one that is not on the swarm.
func selected(project string, st State, services []string) ([]swarmtypes.Service, error) {
	if len(services) == 0 {
		return st.Services, nil
	}
	var out []swarmtypes.Service
	for _, name := range services {
		i := slices.IndexFunc(st.Services, func(s swarmtypes.Service) bool { return s.Spec.Name == scope(project, name) })
		if i < 0 {
			return nil, fmt.Errorf("no service %s in stack %s on the swarm: see berth --engine swarm ps", name, project)
		}
		out = append(out, st.Services[i])
	}
	return out, nil
}

// PlanRemove removes the named services (all of the project's when none
// is named). Networks, secrets and configs stay: up or down deals with
// them.
func PlanRemove(project string, st State, services []string) (Plan, error) {
	sel, err := selected(project, st, services)
	if err != nil {
		return Plan{}, err
	}
	plan := Plan{Project: project}
	for _, s := range sel {
		plan.Actions = append(plan.Actions, Action{Kind: RemoveService, Name: s.Spec.Name, Service: serviceName(project, s),
			Reasons: []Reason{{Code: "removed", Detail: "removal requested"}}, op: op{id: s.ID}})
	}
	return plan, nil
}

// PlanRestart force-updates the named services (all when none is named):
// the swarm replaces every task, following each service's update_config.
func PlanRestart(project string, st State, services []string) (Plan, error) {
	sel, err := selected(project, st, services)
	if err != nil {
		return Plan{}, err
	}
	plan := Plan{Project: project, objectIDs: st.objectIDs()}
	for _, s := range sel {
		spec := clone(s.Spec)
		spec.TaskTemplate.ForceUpdate++
		plan.Actions = append(plan.Actions, Action{Kind: UpdateService, Name: s.Spec.Name, Service: serviceName(project, s),
			Reasons: []Reason{{Code: "forced", Detail: "tasks replaced on request"}}, op: op{id: s.ID, version: s.Version.Index, spec: &spec}})
	}
	return plan, nil
}

// PlanScale sets the replica counts of replicated services, leaving the
// rest of their specs as they are on the swarm, as `docker service scale`
// does.
func PlanScale(project string, st State, replicas map[string]uint64) (Plan, error) {
	plan := Plan{Project: project, objectIDs: st.objectIDs()}
	names := make([]string, 0, len(replicas))
	for n := range replicas {
		names = append(names, n)
	}
	slices.Sort(names)
	sel, err := selected(project, st, names)
	if err != nil {
		return Plan{}, err
	}
	for i, s := range sel {
		r := s.Spec.Mode.Replicated
		if r == nil {
			return Plan{}, fmt.Errorf("service %s is not replicated: only replicated services scale", names[i])
		}
		have := uint64(1)
		if r.Replicas != nil {
			have = *r.Replicas
		}
		want := replicas[names[i]]
		if have == want {
			continue
		}
		spec := clone(s.Spec)
		spec.Mode.Replicated.Replicas = &want
		plan.Actions = append(plan.Actions, Action{Kind: UpdateService, Name: s.Spec.Name, Service: names[i],
			Reasons: []Reason{{Code: "scale", Field: "deploy.replicas", Detail: fmt.Sprintf("replicas %d → %d", have, want)}},
			op:      op{id: s.ID, version: s.Version.Index, spec: &spec}})
	}
	return plan, nil
}
