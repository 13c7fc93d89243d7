package stack

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	swarmtypes "github.com/moby/moby/api/types/swarm"

	"github.com/berth-dev/berth/engine/swarm"
)

// Kind is what an action does. The values are stable: they appear in
// `--format json` output.
type Kind string

// Action kinds.
const (
	CreateNetwork Kind = "create-network"
	CreateSecret  Kind = "create-secret"
	CreateConfig  Kind = "create-config"
	CreateService Kind = "create-service"
	UpdateService Kind = "update-service"
	RemoveService Kind = "remove-service"
	RemoveSecret  Kind = "remove-secret"
	RemoveConfig  Kind = "remove-config"
	RemoveNetwork Kind = "remove-network"
)

// Action is one step of a plan. Actions run in plan order, one at a time:
// objects before the services that use them, services in depends_on
// order, removals last.
type Action struct {
	Kind Kind
	// Name is the swarm object's name, e.g. shop_web or shop_db-1a2b3c4d.
	Name string
	// Service is the compose service a service action works on.
	Service string
	Reasons []Reason

	op op
}

// op is what Apply needs to carry an action out; it is never shown.
type op struct {
	id      string
	version uint64
	spec    *swarmtypes.ServiceSpec
	network *swarm.Network
	object  *object
}

// Plan is the ordered list of actions that brings a stack to what its
// file asks, with warnings that need no action.
type Plan struct {
	Project  string
	Actions  []Action
	Warnings []string

	// objectIDs maps "secret/NAME" and "config/NAME" to the IDs of the
	// objects that exist: a service's references need IDs, the file
	// gives names.
	objectIDs map[string]string
}

// Empty reports whether applying the plan changes nothing.
func (p Plan) Empty() bool { return len(p.Actions) == 0 }

// Services lists the services the plan creates or updates, by compose
// name, in plan order.
func (p Plan) Services() []string {
	var out []string
	for _, a := range p.Actions {
		if (a.Kind == CreateService || a.Kind == UpdateService) && !slices.Contains(out, a.Service) {
			out = append(out, a.Service)
		}
	}
	return out
}

// String renders the plan for people, deterministically: one line per
// action, its reasons indented below, then the warnings.
func (p Plan) String() string {
	var b strings.Builder
	if p.Empty() {
		fmt.Fprintf(&b, "stack %s: nothing to do\n", p.Project)
	} else {
		n := len(p.Actions)
		fmt.Fprintf(&b, "stack %s: %d action%s\n", p.Project, n, map[bool]string{true: "", false: "s"}[n == 1])
	}
	for i, a := range p.Actions {
		fmt.Fprintf(&b, "#%d %s %s\n", i, a.Kind, a.Name)
		for _, r := range a.Reasons {
			fmt.Fprintf(&b, "    %s: %s\n", r.Code, r.Detail)
		}
	}
	for _, w := range p.Warnings {
		fmt.Fprintf(&b, "warning: %s\n", w)
	}
	return b.String()
}

type jsonAction struct {
	Index   int      `json:"index"`
	Kind    Kind     `json:"kind"`
	Name    string   `json:"name"`
	Service string   `json:"service,omitempty"`
	Reasons []Reason `json:"reasons"`
}

type jsonPlan struct {
	Project  string       `json:"project"`
	Engine   string       `json:"engine"`
	Actions  []jsonAction `json:"actions"`
	Warnings []string     `json:"warnings"`
}

// MarshalJSON renders the plan with stable field names; slices are never
// null.
func (p Plan) MarshalJSON() ([]byte, error) {
	out := jsonPlan{Project: p.Project, Engine: "swarm", Actions: []jsonAction{}, Warnings: append([]string{}, p.Warnings...)}
	for i, a := range p.Actions {
		out.Actions = append(out.Actions, jsonAction{Index: i, Kind: a.Kind, Name: a.Name, Service: a.Service, Reasons: append([]Reason{}, a.Reasons...)})
	}
	return json.Marshal(out)
}

// UpOptions tune PlanUp.
type UpOptions struct {
	// RemoveOrphans removes the project's services the file no longer
	// has, and then the project's networks no service uses.
	RemoveOrphans bool
	// Force updates every selected service even when nothing changed, so
	// that the swarm replaces its tasks (berth restart).
	Force bool
}

// PlanUp decides what brings the swarm from st to d: networks, secrets
// and configs to create, services to create or update, each update with
// the fields that differ, and the secrets and configs no service refers
// to any more to remove. It does no I/O.
func PlanUp(d Desired, st State, opts UpOptions) Plan {
	plan := Plan{Project: d.Project, Warnings: slices.Clone(d.Warnings), objectIDs: st.objectIDs()}
	var services []Action
	// referenced are the objects the services refer to once the plan ran.
	referenced := map[string]bool{}
	touched := map[string]bool{}
	for _, s := range d.Services {
		have, ok := st.service(s.Spec.Name)
		spec := clone(s.Spec)
		switch {
		case !ok:
			services = append(services, Action{Kind: CreateService, Name: spec.Name, Service: s.Name,
				Reasons: []Reason{{Code: "new-service", Detail: "not on the swarm yet"}}, op: op{spec: &spec}})
		default:
			rs := reasons(spec, current(have.Spec, st, d))
			if opts.Force {
				rs = append(rs, Reason{Code: "forced", Detail: "tasks replaced on request"})
				spec.TaskTemplate.ForceUpdate = have.Spec.TaskTemplate.ForceUpdate + 1
			} else {
				spec.TaskTemplate.ForceUpdate = have.Spec.TaskTemplate.ForceUpdate
			}
			if len(rs) == 0 {
				continue
			}
			keepAdoptedConfigs(&spec, have.Spec, st, d)
			services = append(services, Action{Kind: UpdateService, Name: spec.Name, Service: s.Name, Reasons: rs,
				op: op{id: have.ID, version: have.Version.Index, spec: &spec}})
		}
		touched[spec.Name] = true
		for _, n := range objectRefNames(spec) {
			referenced[n] = true
		}
	}

	var orphans []Action
	for _, have := range st.Services {
		if touched[have.Spec.Name] {
			continue
		}
		desired := slices.ContainsFunc(d.Services, func(s Service) bool { return s.Spec.Name == have.Spec.Name })
		known := slices.ContainsFunc(d.known, func(n string) bool { return scope(d.Project, n) == have.Spec.Name })
		if !desired && !known {
			if opts.RemoveOrphans {
				orphans = append(orphans, Action{Kind: RemoveService, Name: have.Spec.Name, Service: strings.TrimPrefix(have.Spec.Name, d.Project+"_"),
					Reasons: []Reason{{Code: "orphan", Detail: "not in the compose file"}}, op: op{id: have.ID}})
				continue
			}
			plan.Warnings = append(plan.Warnings, fmt.Sprintf("service %s is not in the compose file: up --remove-orphans removes it", have.Spec.Name))
		}
		for _, n := range objectRefNames(have.Spec) {
			referenced[n] = true
		}
	}

	for _, o := range d.objects {
		if _, ok := st.External[o.kind+"/"+o.name]; o.external && !ok && referenced[o.kind+"/"+o.name] {
			plan.Warnings = append(plan.Warnings, fmt.Sprintf("%s %s is external and not on the swarm: create it (docker %s create %s FILE) before up", o.kind, o.name, o.kind, o.name))
		}
	}
	plan.Actions = append(plan.Actions, networkActions(d, st, &plan)...)
	plan.Actions = append(plan.Actions, objectCreates(d, st, referenced)...)
	plan.Actions = append(plan.Actions, services...)
	plan.Actions = append(plan.Actions, orphans...)
	plan.Actions = append(plan.Actions, objectRemovals(st, referenced)...)
	if opts.RemoveOrphans {
		plan.Actions = append(plan.Actions, networkRemovals(d, st, orphans)...)
	}
	return plan
}

// keepAdoptedConfigs keeps, in an update, the configs the service
// already mounts under another name with the content the file asks for
// (a stack adopted from docker stack deploy): renaming them would replace
// every task for no change.
func keepAdoptedConfigs(spec *swarmtypes.ServiceSpec, have swarmtypes.ServiceSpec, st State, d Desired) {
	cs, hc := spec.TaskTemplate.ContainerSpec, have.TaskTemplate.ContainerSpec
	if cs == nil || hc == nil {
		return
	}
	for _, r := range cs.Configs {
		for _, h := range hc.Configs {
			if r.File == nil || h.File == nil || relativeTarget(h.File.Name, configsDir) != r.File.Name {
				continue
			}
			if o, ok := d.sameConfig(h.ConfigName, st); ok && o.name == r.ConfigName {
				r.ConfigName = h.ConfigName
			}
		}
	}
}

// objectRefNames lists the secrets and configs a spec mounts.
func objectRefNames(spec swarmtypes.ServiceSpec) []string {
	cs := spec.TaskTemplate.ContainerSpec
	if cs == nil {
		return nil
	}
	var out []string
	for _, r := range cs.Secrets {
		out = append(out, kindSecret+"/"+r.SecretName)
	}
	for _, r := range cs.Configs {
		out = append(out, kindConfig+"/"+r.ConfigName)
	}
	return out
}

// networkActions creates the networks the services need that the swarm
// lacks. A network cannot be changed in place: one that drifted is a
// warning.
func networkActions(d Desired, st State, plan *Plan) []Action {
	var out []Action
	for _, n := range d.Networks {
		i := slices.IndexFunc(st.Networks, func(h swarm.Network) bool { return h.Name == n.Name })
		if i < 0 {
			n := n
			out = append(out, Action{Kind: CreateNetwork, Name: n.Name, Reasons: []Reason{{Code: "new", Detail: "used by the stack's services"}}, op: op{network: &n}})
			continue
		}
		if diff := networkDiff(n, st.Networks[i]); diff != "" {
			plan.Warnings = append(plan.Warnings, fmt.Sprintf("network %s: %s differs from the file; a swarm network cannot change in place: run down, then up, to recreate it", n.Name, diff))
		}
	}
	return out
}

func networkDiff(want, have swarm.Network) string {
	var diffs []string
	if want.Driver != have.Driver {
		diffs = append(diffs, "driver")
	}
	if want.Attachable != have.Attachable {
		diffs = append(diffs, "attachable")
	}
	if want.Internal != have.Internal {
		diffs = append(diffs, "internal")
	}
	if len(want.Subnets) > 0 && !slices.Equal(want.Subnets, have.Subnets) {
		diffs = append(diffs, "ipam")
	}
	return strings.Join(diffs, ", ")
}

// objectCreates creates the referenced secrets and configs the swarm
// lacks.
func objectCreates(d Desired, st State, referenced map[string]bool) []Action {
	var out []Action
	for _, o := range d.objects {
		if o.external || !referenced[o.kind+"/"+o.name] || st.hasObject(o.kind, o.name) {
			continue
		}
		kind := CreateSecret
		if o.kind == kindConfig {
			kind = CreateConfig
		}
		o := o
		out = append(out, Action{Kind: kind, Name: o.name,
			Reasons: []Reason{{Code: "new", Field: o.kind + "s." + o.key, Detail: fmt.Sprintf("%ss.%s content %s", o.kind, o.key, contentHash(o.data, o.templating))}},
			op:      op{object: &o}})
	}
	return out
}

func (st State) objectIDs() map[string]string {
	ids := maps.Clone(st.External)
	if ids == nil {
		ids = map[string]string{}
	}
	for _, s := range st.Secrets {
		ids[kindSecret+"/"+s.Spec.Name] = s.ID
	}
	for _, c := range st.Configs {
		ids[kindConfig+"/"+c.Spec.Name] = c.ID
	}
	return ids
}

func (st State) hasObject(kind, name string) bool {
	if kind == kindSecret {
		return slices.ContainsFunc(st.Secrets, func(s swarmtypes.Secret) bool { return s.Spec.Name == name })
	}
	return slices.ContainsFunc(st.Configs, func(c swarmtypes.Config) bool { return c.Spec.Name == name })
}

// objectRemovals removes the project's secrets and configs no service
// refers to once the plan ran: the old versions of changed files.
func objectRemovals(st State, referenced map[string]bool) []Action {
	var out []Action
	for _, s := range st.Secrets {
		if !referenced[kindSecret+"/"+s.Spec.Name] {
			out = append(out, Action{Kind: RemoveSecret, Name: s.Spec.Name, Reasons: []Reason{{Code: "unused", Detail: "no service of the stack uses it"}}, op: op{id: s.ID}})
		}
	}
	for _, c := range st.Configs {
		if !referenced[kindConfig+"/"+c.Spec.Name] {
			out = append(out, Action{Kind: RemoveConfig, Name: c.Spec.Name, Reasons: []Reason{{Code: "unused", Detail: "no service of the stack uses it"}}, op: op{id: c.ID}})
		}
	}
	return out
}

// networkRemovals removes the project's networks that neither the file
// nor a remaining service uses.
func networkRemovals(d Desired, st State, removed []Action) []Action {
	inUse := map[string]bool{}
	for _, n := range d.Networks {
		inUse[n.Name] = true
	}
	for _, s := range st.Services {
		if slices.ContainsFunc(removed, func(a Action) bool { return a.op.id == s.ID }) {
			continue
		}
		for _, n := range s.Spec.TaskTemplate.Networks {
			inUse[n.Target] = true
			inUse[st.NetworkNames[n.Target]] = true
		}
	}
	var out []Action
	for _, n := range st.Networks {
		if !inUse[n.Name] && !inUse[n.ID] {
			out = append(out, Action{Kind: RemoveNetwork, Name: n.Name, Reasons: []Reason{{Code: "unused", Detail: "no service of the stack uses it"}}, op: op{id: n.ID}})
		}
	}
	return out
}
