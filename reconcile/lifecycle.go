package reconcile

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/berth-dev/berth/engine"
)

// lifecycle is what stop, start, restart and rm share: the selected
// services' containers grouped by service, and their dependency order.
type lifecycle struct {
	plan      Plan
	p         *types.Project
	byService map[string][]engine.Container
	order     []string // dependencies first
	deps      map[string][]string
}

// newLifecycle selects the service containers (not one-offs) of services,
// or of the whole project when services is empty. A named service without
// containers is reported as a warning, since there is nothing to act on.
func newLifecycle(p *types.Project, s State, services []string) *lifecycle {
	if p == nil {
		p = &types.Project{}
	}
	l := &lifecycle{plan: Plan{Project: p.Name, env: newEnv(p)}, p: p}
	want := map[string]bool{}
	for _, name := range services {
		want[name] = true
	}
	var cs []engine.Container
	for _, c := range s.Containers {
		if !ours(c.Labels, p.Name) {
			continue
		}
		l.plan.env.ids[c.Name] = c.ID
		if isOneoff(c) {
			continue
		}
		svc := c.Labels[engine.LabelService]
		if len(want) == 0 || want[svc] {
			cs = append(cs, c)
		}
	}
	l.byService = groupByService(cs)
	for svc, list := range l.byService {
		l.plan.env.replicas[svc] = containerNames(list)
	}
	for _, name := range slices.Sorted(maps.Keys(want)) {
		if len(l.byService[name]) == 0 {
			l.plan.Warnings = append(l.plan.Warnings, fmt.Sprintf("service %s has no container; run `berth up %s` to create it", name, name))
		}
	}
	l.deps = serviceDeps(p, cs)
	l.order = dependencyOrder(slices.Collect(maps.Keys(l.byService)), l.deps)
	return l
}

// forward plans one action per selected container, dependencies first:
// each service's actions come after those of the services it depends on.
func (l *lifecycle) forward(build func(c engine.Container, after []int) (int, bool)) {
	done := map[string][]int{}
	for _, svc := range l.order {
		var after []int
		for _, d := range l.deps[svc] {
			after = append(after, done[d]...)
		}
		for _, c := range l.byService[svc] {
			if i, ok := build(c, after); ok {
				done[svc] = append(done[svc], i)
			}
		}
	}
}

// reverse is forward with dependents first, for stopping and removing.
func (l *lifecycle) reverse(build func(c engine.Container, after []int) (int, bool)) {
	rdeps := dependents(l.deps)
	done := map[string][]int{}
	order := slices.Clone(l.order)
	slices.Reverse(order)
	for _, svc := range order {
		var after []int
		for _, d := range rdeps[svc] {
			after = append(after, done[d]...)
		}
		for _, c := range l.byService[svc] {
			if i, ok := build(c, after); ok {
				done[svc] = append(done[svc], i)
			}
		}
	}
}

// waitsFor lists the depends_on conditions a start of service honours,
// from the project (no project service, no waits).
func (l *lifecycle) waitsFor(service string) []wait {
	s, ok := l.p.Services[service]
	if !ok {
		return nil
	}
	var out []wait
	for _, name := range slices.Sorted(maps.Keys(s.DependsOn)) {
		d := s.DependsOn[name]
		if d.Condition == "" || d.Condition == types.ServiceConditionStarted {
			continue
		}
		if dep, ok := l.p.Services[name]; !ok || dep.GetScale() == 0 {
			continue
		}
		out = append(out, wait{service: name, condition: d.Condition, required: d.Required})
	}
	return out
}

// PlanStop stops the running containers of services (all when empty),
// dependents first.
func PlanStop(p *types.Project, s State, services []string, timeout *time.Duration) Plan {
	l := newLifecycle(p, s, services)
	l.reverse(func(c engine.Container, after []int) (int, bool) {
		if !isRunning(c) {
			return 0, false
		}
		return addAction(&l.plan, Action{Kind: Stop, Target: containerRef(c), After: after,
			Reasons: []Reason{{Code: codeRequested, Detail: "stop requested"}},
			op:      &op{timeout: timeout}}), true
	})
	return l.plan
}

// PlanStart starts the stopped containers of services (all when empty),
// dependencies first, honouring depends_on conditions.
func PlanStart(p *types.Project, s State, services []string) Plan {
	l := newLifecycle(p, s, services)
	l.forward(func(c engine.Container, after []int) (int, bool) {
		if !isStopped(c) {
			return 0, false
		}
		return addAction(&l.plan, Action{Kind: Start, Target: containerRef(c), After: after,
			Reasons: []Reason{{Code: codeStopped, Detail: "container is " + c.State}},
			op:      &op{waits: l.waitsFor(c.Labels[engine.LabelService])}}), true
	})
	return l.plan
}

// PlanRestart restarts every container of services (all when empty),
// dependencies first.
func PlanRestart(p *types.Project, s State, services []string, timeout *time.Duration) Plan {
	l := newLifecycle(p, s, services)
	l.forward(func(c engine.Container, after []int) (int, bool) {
		return addAction(&l.plan, Action{Kind: Restart, Target: containerRef(c), After: after,
			Reasons: []Reason{{Code: codeRequested, Detail: "restart requested"}},
			op:      &op{timeout: timeout, waits: l.waitsFor(c.Labels[engine.LabelService])}}), true
	})
	return l.plan
}

// PlanRemove removes the containers of services (all when empty). Running
// containers are stopped first with stop, and skipped with a warning
// otherwise, as compose does. volumes also removes their anonymous volumes.
func PlanRemove(p *types.Project, s State, services []string, stop, volumes bool) Plan {
	l := newLifecycle(p, s, services)
	var running []string
	why := Reason{Code: codeRequested, Detail: "removal requested"}
	l.reverse(func(c engine.Container, after []int) (int, bool) {
		if isRunning(c) && !stop {
			running = append(running, c.Name)
			return 0, false
		}
		return stopAndRemove(&l.plan, c, after, nil, volumes, why), true
	})
	if len(running) > 0 {
		slices.Sort(running)
		l.plan.Warnings = append(l.plan.Warnings, fmt.Sprintf(
			"running containers kept (%s); stop them first or pass --stop", strings.Join(running, ", ")))
	}
	if l.plan.Empty() {
		l.plan.Warnings = append(l.plan.Warnings, "No stopped containers")
	}
	return l.plan
}
