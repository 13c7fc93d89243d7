package stack

import (
	"strings"

	swarmtypes "github.com/moby/moby/api/types/swarm"
)

// PlanDown removes everything of the project on the swarm: its services,
// then its secrets, configs and networks. It sees only what carries the
// project's namespace label (see Observe), so it never touches anything
// else.
func PlanDown(project string, st State) Plan {
	plan := Plan{Project: project}
	for _, s := range st.Services {
		plan.Actions = append(plan.Actions, Action{Kind: RemoveService, Name: s.Spec.Name, Service: serviceName(project, s),
			Reasons: []Reason{{Code: "down", Detail: "stack removed"}}, op: op{id: s.ID}})
	}
	for _, s := range st.Secrets {
		plan.Actions = append(plan.Actions, Action{Kind: RemoveSecret, Name: s.Spec.Name, Reasons: []Reason{{Code: "down", Detail: "stack removed"}}, op: op{id: s.ID}})
	}
	for _, c := range st.Configs {
		plan.Actions = append(plan.Actions, Action{Kind: RemoveConfig, Name: c.Spec.Name, Reasons: []Reason{{Code: "down", Detail: "stack removed"}}, op: op{id: c.ID}})
	}
	for _, n := range st.Networks {
		plan.Actions = append(plan.Actions, Action{Kind: RemoveNetwork, Name: n.Name, Reasons: []Reason{{Code: "down", Detail: "stack removed"}}, op: op{id: n.ID}})
	}
	return plan
}

// serviceName is a swarm service's compose name: its name without the
// "<project>_" prefix.
func serviceName(project string, s swarmtypes.Service) string {
	return strings.TrimPrefix(s.Spec.Name, project+"_")
}
