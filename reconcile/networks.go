package reconcile

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/berth-dev/berth/engine"
)

// planNetworks creates the networks selected services use and that do not
// exist yet, and recreates those whose configuration changed. External
// networks are only checked, by Apply.
//
// A network is compared as compose v5 compares it: by the config hash on
// its label ([NetworkHash]). One without the label (created by an older
// berth or compose) is left as it is, as compose leaves it, with a warning
// when what can be observed differs.
//
// A changed network is recreated as compose does it, keeping the
// containers: every project container on it is stopped (when running) and
// disconnected, the network removed and created anew, and the containers
// connected again and started (see reconnectActions). Networks hold no
// data, so this is not flagged destructive.
func (u *upPlanner) planNetworks(selected []string, s State) error {
	byName := map[string]engine.Network{}
	for _, n := range s.Networks {
		if ours(n.Labels, u.p.Name) {
			byName[n.Name] = n
		}
	}
	keys := map[string]string{} // engine name -> key
	for _, svc := range selected {
		for _, key := range serviceNetworks(u.p.Services[svc]) {
			keys[networkName(u.p, key)] = key
		}
	}
	for _, name := range slices.Sorted(maps.Keys(keys)) {
		key := keys[name]
		cfg := u.p.Networks[key]
		if cfg.External {
			u.plan.env.externalNetworks = append(u.plan.env.externalNetworks, name)
			continue
		}
		hash, err := NetworkHash(cfg)
		if err != nil {
			return err
		}
		spec := engine.NetworkSpec{Name: name, Config: cfg,
			Labels: resourceLabels(cfg.Labels, cfg.CustomLabels, u.p.Name, engine.LabelNetwork, key, hash)}
		maps.Copy(spec.Labels, u.opts.Labels)
		have, ok := byName[name]
		switch {
		case !ok:
			u.network[key] = u.add(u.fromSubnetPool(Action{
				Kind:    CreateNetwork,
				Target:  Ref{Type: RefNetwork, Name: name},
				Reasons: []Reason{{Code: codeMissing, Detail: "network " + name + " does not exist"}},
				op:      &op{network: &spec},
			}))
		case have.Labels[engine.LabelConfigHash] == "":
			if drift := networkDrift(cfg, have); drift != "" {
				u.plan.Warnings = append(u.plan.Warnings, fmt.Sprintf(
					"network %s config changed (%s) but it carries no config hash, so berth leaves it as it is; run `berth down` to apply", name, drift))
			}
		case have.Labels[engine.LabelConfigHash] != hash:
			u.network[key] = u.recreateNetwork(key, have, spec, s.Containers)
		}
	}
	return nil
}

// recreateNetwork plans the removal and re-creation of a changed network,
// with the stops and disconnects that must come first, and returns the
// create action. The reconnects come later, once it is known which
// containers are recreated anyway.
func (u *upPlanner) recreateNetwork(key string, have engine.Network, spec engine.NetworkSpec, containers []engine.Container) int {
	name := spec.Name
	drift := networkDrift(spec.Config, have)
	if drift == "" {
		drift = "config hash differs"
	}
	changed := Reason{Code: codeNetworkChanged, Field: "networks." + key,
		Detail: fmt.Sprintf("network %s config changed (%s)", name, drift)}
	moved := Reason{Code: codeNetworkChanged, Field: "networks." + key,
		Detail: fmt.Sprintf("network %s is recreated", name)}
	var disconnects []int
	for _, c := range attached(u.p.Name, containers, have) {
		ref := containerRef(c)
		var after []int
		if isRunning(c) {
			stop, ok := u.netStopped[c.Name]
			if !ok {
				stop = u.add(Action{Kind: Stop, Target: ref, Reasons: []Reason{moved}, op: &op{timeout: u.opts.Timeout}})
				u.netStopped[c.Name] = stop
			}
			after = []int{stop}
		}
		disconnects = append(disconnects, u.add(Action{Kind: DisconnectNetwork, Target: ref,
			Reasons: []Reason{moved}, After: after, op: &op{networkName: name}}))
		u.reconnect[c.Name] = append(u.reconnect[c.Name], key)
	}
	remove := u.add(Action{Kind: RemoveNetwork, Target: Ref{Type: RefNetwork, Name: name, ID: have.ID},
		Reasons: []Reason{changed}, After: disconnects, op: &op{mustRemove: true}})
	return u.add(u.fromSubnetPool(Action{Kind: CreateNetwork, Target: Ref{Type: RefNetwork, Name: name},
		Reasons: []Reason{changed}, After: []int{remove}, op: &op{network: &spec}}))
}

// fromSubnetPool makes a network create take its subnet from berth's pool
// when the network leaves the choice to the engine (see fromPool).
func (u *upPlanner) fromSubnetPool(a Action) Action {
	if u.opts.SubnetPool != nil && fromPool(a.op.network.Config) {
		a.Reasons = append(a.Reasons, poolReason(*u.opts.SubnetPool))
		a.op.subnetPool = u.opts.SubnetPool
	}
	return a
}

// attached lists the project's containers on network n, one-off ones
// included (they would keep it from being removed), by name.
func attached(project string, containers []engine.Container, n engine.Network) []engine.Container {
	var out []engine.Container
	for _, c := range containers {
		if !ours(c.Labels, project) {
			continue
		}
		if ep, ok := c.Networks[n.Name]; ok && (ep.NetworkID == "" || n.ID == "" || ep.NetworkID == n.ID) {
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b engine.Container) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// reconnectActions connects container c of svc again to the networks a
// recreate took it off, and returns the connect actions. A container that
// is recreated instead needs none: its replacement joins the new network.
func (u *upPlanner) reconnectActions(svc types.ServiceConfig, c engine.Container) []int {
	keys := u.reconnect[c.Name]
	delete(u.reconnect, c.Name)
	var out []int
	for _, key := range keys {
		if _, ok := svc.Networks[key]; !ok || !usesNetworks(svc) {
			continue
		}
		s := svc
		out = append(out, u.add(Action{Kind: ConnectNetwork, Target: containerRef(c),
			Reasons: []Reason{{Code: codeNetworkChanged, Field: "networks." + key,
				Detail: fmt.Sprintf("network %s is recreated", networkName(u.p, key))}},
			After: []int{u.network[key]},
			op:    &op{service: &s, networkName: networkName(u.p, key)}}))
	}
	return out
}

// restartAfterReconnect starts c again once it is reconnected, when a
// network recreate stopped it; it returns the start, or -1.
func (u *upPlanner) restartAfterReconnect(c engine.Container, after []int, waits []wait) int {
	if _, stopped := u.netStopped[c.Name]; !stopped || u.opts.NoStart {
		return -1
	}
	return u.add(Action{Kind: Start, Target: containerRef(c), After: after,
		Reasons: []Reason{{Code: codeNetworkChanged, Detail: "container was stopped to recreate its network"}},
		op:      &op{waits: waits}})
}

// planLeftoverReconnects reconnects the containers of services outside
// the selection, which planService did not see: a network recreate must
// not leave them stopped and disconnected. Orphans and one-off containers
// are left disconnected.
func (u *upPlanner) planLeftoverReconnects() {
	for _, name := range slices.Sorted(maps.Keys(u.reconnect)) {
		for _, cs := range u.observed {
			for _, c := range cs {
				if c.Name != name {
					continue
				}
				svc := u.p.Services[c.Labels[engine.LabelService]]
				u.restartAfterReconnect(c, u.reconnectActions(svc, c), nil)
			}
		}
	}
}

// networkDrift names what differs between a network's desired and observed
// configuration that the engine reports, or returns "".
func networkDrift(cfg types.NetworkConfig, have engine.Network) string {
	var diffs []string
	if want := cmpOr(cfg.Driver, "bridge"); have.Driver != "" && have.Driver != want {
		diffs = append(diffs, fmt.Sprintf("driver %s → %s", have.Driver, want))
	}
	if cfg.Internal != have.Internal {
		diffs = append(diffs, "internal")
	}
	for _, k := range slices.Sorted(maps.Keys(cfg.Labels)) {
		if have.Labels[k] != cfg.Labels[k] {
			diffs = append(diffs, "labels."+k)
		}
	}
	return strings.Join(diffs, ", ")
}

// volumeDrift names how a volume differs from its desired configuration,
// or returns "": by config hash when the volume carries one, otherwise by
// driver, the one thing the engine reports.
func volumeDrift(cfg types.VolumeConfig, have engine.Volume, hash string) string {
	if h := have.Labels[engine.LabelConfigHash]; h != "" {
		if h != hash {
			return "config hash differs"
		}
		return ""
	}
	if want := cmpOr(cfg.Driver, "local"); have.Driver != "" && have.Driver != want {
		return fmt.Sprintf("driver %s → %s", have.Driver, want)
	}
	return ""
}
