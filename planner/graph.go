package planner

import (
	"errors"
	"slices"

	"github.com/compose-spec/compose-go/v2/types"
)

// Graph is the dependency graph of a project's active services. It is
// immutable once built: every method returns a fresh slice the caller may
// keep or modify.
type Graph struct {
	services   []string            // sorted
	edges      map[string][]Edge   // by From; sorted by To, then Kind
	deps       map[string][]string // by From; distinct To, sorted
	dependents map[string][]string // by To; distinct From, sorted
	disabled   map[string][]string // services off by profile -> their profiles, for error hints
	order      []string
	levels     [][]string
}

// Build computes the graph of p's services. It reads p and never modifies
// it (compose-go's own graph deletes optional depends_on entries from the
// project it is given; berth's projects are immutable after loading).
//
// Every reference to an unknown or disabled service is reported, in service
// order, joined into one error wrapping [ErrUnknownService]. A depends_on
// entry with required: false to such a service is dropped instead. A cycle
// is reported as "dependency cycle: web -> app -> db -> web", wrapping
// [ErrCycle].
func Build(p *types.Project) (*Graph, error) {
	if p == nil {
		return nil, errors.New("planner: no project to build a graph from")
	}
	g := &Graph{
		services:   p.ServiceNames(),
		edges:      make(map[string][]Edge, len(p.Services)),
		deps:       make(map[string][]string, len(p.Services)),
		dependents: make(map[string][]string, len(p.Services)),
		disabled:   make(map[string][]string, len(p.DisabledServices)),
	}
	for name, s := range p.DisabledServices {
		g.disabled[name] = slices.Clone(s.Profiles)
	}

	var errs []error
	for _, name := range g.services {
		for _, e := range edgesOf(name, p.Services[name]) {
			if _, ok := p.Services[e.To]; !ok {
				if e.Kind == KindDependsOn && !e.Required {
					continue // optional and absent: nothing to wait for
				}
				errs = append(errs, unknownRefError(e, g.services, g.disabled))
				continue
			}
			g.edges[name] = append(g.edges[name], e)
			// Edges are sorted by To, so a repeat of the previous target is
			// the same dependency through another attribute.
			if d := g.deps[name]; len(d) == 0 || d[len(d)-1] != e.To {
				g.deps[name] = append(d, e.To)
				g.dependents[e.To] = append(g.dependents[e.To], name)
			}
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	// Dependents were appended while walking services in name order, so
	// each list is already sorted.

	if err := g.findCycle(); err != nil {
		return nil, err
	}
	g.order, g.levels = g.topology()
	return g, nil
}

// Services returns the names of all active services, sorted.
func (g *Graph) Services() []string {
	return slices.Clone(g.services)
}

// Edges returns what service depends on, sorted by To (then Kind). A
// dependency named by two attributes (depends_on and links) gives two edges.
func (g *Graph) Edges(service string) []Edge {
	return slices.Clone(g.edges[service])
}

// Dependents returns the services that depend directly on service, sorted.
func (g *Graph) Dependents(service string) []string {
	return slices.Clone(g.dependents[service])
}

// Order returns every service, each after all of its dependencies. Among
// services whose dependencies are all placed, the smallest name comes first.
func (g *Graph) Order() []string {
	return slices.Clone(g.order)
}

// Levels groups services by depth: level 0 has no dependencies, and level n
// holds services whose deepest dependency is on level n-1. Services on one
// level do not depend on each other. Each level is sorted.
func (g *Graph) Levels() [][]string {
	out := make([][]string, len(g.levels))
	for i, l := range g.levels {
		out[i] = slices.Clone(l)
	}
	return out
}

// Select returns the named services, plus everything they depend on
// (transitively, through every edge kind) when withDeps is set, in
// [Graph.Order]. No names selects every service, as a command line without
// service arguments does. Every unknown or disabled name is reported.
func (g *Graph) Select(services []string, withDeps bool) ([]string, error) {
	if len(services) == 0 {
		return g.Order(), nil
	}
	var errs []error
	for _, name := range slices.Compact(slices.Sorted(slices.Values(services))) {
		if !g.has(name) {
			errs = append(errs, unknownNameError(name, g.services, g.disabled))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}

	picked := make(map[string]bool, len(services))
	var visit func(string)
	visit = func(name string) {
		if picked[name] {
			return
		}
		picked[name] = true
		if withDeps {
			for _, d := range g.deps[name] {
				visit(d)
			}
		}
	}
	for _, name := range services {
		visit(name)
	}
	return slices.DeleteFunc(g.Order(), func(s string) bool { return !picked[s] }), nil
}

// topology computes Order and Levels with Kahn's algorithm, taking the
// smallest ready name each step so the result depends only on the graph.
// It must run after findCycle: on a cycle some services would be left out.
func (g *Graph) topology() ([]string, [][]string) {
	waiting := make(map[string]int, len(g.services))
	level := make(map[string]int, len(g.services))
	var ready []string // sorted
	for _, s := range g.services {
		waiting[s] = len(g.deps[s])
		if waiting[s] == 0 {
			ready = append(ready, s)
		}
	}

	order := make([]string, 0, len(g.services))
	var levels [][]string
	for len(ready) > 0 {
		s := ready[0]
		ready = ready[1:]
		order = append(order, s)

		for _, d := range g.deps[s] {
			level[s] = max(level[s], level[d]+1)
		}
		if level[s] == len(levels) {
			levels = append(levels, nil)
		}
		levels[level[s]] = append(levels[level[s]], s)

		for _, dep := range g.dependents[s] {
			waiting[dep]--
			if waiting[dep] == 0 {
				i, _ := slices.BinarySearch(ready, dep)
				ready = slices.Insert(ready, i, dep)
			}
		}
	}
	for _, l := range levels {
		slices.Sort(l)
	}
	return order, levels
}

// has reports whether name is an active service.
func (g *Graph) has(name string) bool {
	_, ok := slices.BinarySearch(g.services, name)
	return ok
}
