package reconcile

import (
	"maps"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/berth-dev/berth/engine"
)

// serviceDeps maps each service to the services it depends on, from the
// project when it has the service and from the depends_on label its
// containers carry: down and the lifecycle commands may run from a project
// name alone.
func serviceDeps(p *types.Project, cs []engine.Container) map[string][]string {
	deps := map[string][]string{}
	for _, c := range cs {
		svc := c.Labels[engine.LabelService]
		deps[svc] = append(deps[svc], parseDependsOn(c.Labels[engine.LabelDependsOn])...)
	}
	if p != nil {
		for name, s := range p.Services {
			deps[name] = append(deps[name], projectDeps(s)...)
		}
	}
	for k, v := range deps {
		slices.Sort(v)
		deps[k] = slices.Compact(v)
	}
	return deps
}

// projectDeps lists what a service depends on through any attribute.
func projectDeps(s types.ServiceConfig) []string {
	out := slices.Collect(maps.Keys(s.DependsOn))
	out = append(out, parents(s)...)
	for _, l := range s.Links {
		name, _, _ := strings.Cut(l, ":")
		out = append(out, name)
	}
	return out
}

// parseDependsOn reads compose's depends_on label:
// "db:service_healthy:false,cache:service_started:true".
func parseDependsOn(label string) []string {
	var out []string
	for entry := range strings.SplitSeq(label, ",") {
		if name, _, _ := strings.Cut(entry, ":"); name != "" {
			out = append(out, name)
		}
	}
	return out
}

// dependsOnLabel writes compose's depends_on label, sorted so that it is
// stable (compose writes map order).
func dependsOnLabel(s types.ServiceConfig) string {
	var parts []string
	for _, name := range slices.Sorted(maps.Keys(s.DependsOn)) {
		d := s.DependsOn[name]
		parts = append(parts, name+":"+d.Condition+":"+boolString(d.Restart))
	}
	return strings.Join(parts, ",")
}

func boolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// dependencyOrder returns services with every dependency before its
// dependents, ties broken by name. Labels written by hand or by another
// tool may form a cycle; it is broken at the smallest name instead of
// failing, because stopping and removing must still make progress.
func dependencyOrder(services []string, deps map[string][]string) []string {
	in := map[string]bool{}
	for _, s := range services {
		in[s] = true
	}
	placed := map[string]bool{}
	var order []string
	remaining := slices.Sorted(maps.Keys(in))
	for len(remaining) > 0 {
		next := -1
		for i, s := range remaining {
			ready := true
			for _, d := range deps[s] {
				if in[d] && !placed[d] && d != s {
					ready = false
					break
				}
			}
			if ready {
				next = i
				break
			}
		}
		if next < 0 {
			next = 0 // cycle: break it at the smallest name
		}
		placed[remaining[next]] = true
		order = append(order, remaining[next])
		remaining = slices.Delete(remaining, next, next+1)
	}
	return order
}

// dependents inverts deps.
func dependents(deps map[string][]string) map[string][]string {
	out := map[string][]string{}
	for s, ds := range deps {
		for _, d := range ds {
			out[d] = append(out[d], s)
		}
	}
	return out
}
