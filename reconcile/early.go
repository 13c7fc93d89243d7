package reconcile

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/planner"
)

// After an edit of one service, an up recreates one container, and the
// stop of the old one is its first engine call. Before that call the up
// lists every container of the project and plans: on 200 services about 35
// ms, most of it the daemon answering the list. The loader knows which
// services were edited (loader.Options.Edited), and a container of such a
// service that runs with another config hash is one the plan is certain to
// recreate. So its stop begins at once, beside the list and the plan, and
// the recreate takes it over when Apply reaches it.
//
// A stop begun early is undone when nothing takes it over (the plan failed,
// or Apply stopped before the recreate): Restore starts the container again,
// so that an up that fails leaves the old container running, as a recreate
// that fails does.

// earlyEngine is what beginning early stops needs from the engine.
type earlyEngine interface {
	InspectContainer(ctx context.Context, id string) (engine.Container, error)
	StopContainer(ctx context.Context, id string, timeout *time.Duration) error
}

// EarlyStops are the stops an up began before it planned. Nil holds none.
type EarlyStops struct {
	mu    sync.Mutex
	stops map[string]*earlyStop // by container ID; fixed once StopEarly returns
}

type earlyStop struct {
	id    string
	name  string
	done  chan struct{} // closed when the stop returned
	err   error
	taken bool // by a recreate, or by Restore
}

// StopEarly begins to stop the running containers of the edited services
// that an up with opts recreates: those for which the up planner's own
// decider, recreateReasons, given only what an inspect shows, finds a
// reason. It returns once it has inspected them and sent the stops, before
// those finish. Pass the result in UpOptions.Early, and call Restore once
// the up is over.
//
// Left to the full plan are the cases where that partial view could decide
// otherwise than the whole one: services whose hash or recreate depends on
// other containers (network_mode, volumes_from, pid or ipc of another
// service) or on a build, services that depend on another edited service,
// whose recreate comes first, and recreates that hang on what Apply finds.
func StopEarly(ctx context.Context, eng earlyEngine, p *types.Project, g *planner.Graph, edited []string, opts UpOptions) *EarlyStops {
	e := &EarlyStops{stops: map[string]*earlyStop{}}
	if opts.NoStart || opts.NoRecreate || len(opts.Services) > 0 {
		return e
	}
	// The planner as PlanUp makes it, but knowing nothing of the engine:
	// every reason it can find from a container alone it finds here too.
	u := &upPlanner{p: p, g: g, opts: opts,
		explicit: map[string]bool{}, observed: map[string][]engine.Container{},
		images: map[string]engine.Image{}, build: map[string]int{},
		replaced: map[string]bool{}, maybe: map[string][]int{}}
	for _, name := range edited {
		svc, ok := p.Services[name]
		if !ok || svc.Build != nil || len(parents(svc)) > 0 {
			continue
		}
		// Its recreate waits for that of an edited service it depends
		// on, directly or not: stopped now, it would only be down longer.
		deps, err := g.Select([]string{name}, true)
		if err != nil || slices.ContainsFunc(deps, func(d string) bool { return d != name && slices.Contains(edited, d) }) {
			continue
		}
		u.explicit[name] = true
		wantJSON, wantHash, err := u.expectedConfig(svc)
		if err != nil {
			continue
		}
		for n := 1; n <= svc.GetScale(); n++ {
			c, ok := runningReplica(ctx, eng, p.Name, svc, n)
			if !ok {
				continue
			}
			if why, cond := u.recreateReasons(svc, c, wantJSON, wantHash); len(why) > 0 && cond == nil {
				e.stop(ctx, eng, containerRef(c), opts.Timeout)
			}
		}
	}
	return e
}

// runningReplica inspects container number n of svc by its name and
// returns it if it is the project's and running. Anything unclear (an
// error, another name, a one-off) leaves it to the plan.
func runningReplica(ctx context.Context, eng earlyEngine, project string, svc types.ServiceConfig, n int) (engine.Container, bool) {
	name := containerName(project, svc, n)
	c, err := eng.InspectContainer(ctx, name)
	if err != nil || c.Name != name || !ours(c.Labels, project) || isOneoff(c) ||
		c.Labels[engine.LabelService] != svc.Name || containerNumber(c) != n || !isRunning(c) {
		return engine.Container{}, false
	}
	return c, true
}

// stop begins the stop of the container ref names.
func (e *EarlyStops) stop(ctx context.Context, eng earlyEngine, ref Ref, timeout *time.Duration) {
	s := &earlyStop{id: ref.ID, name: ref.Name, done: make(chan struct{})}
	e.stops[ref.ID] = s
	go func() {
		defer close(s.done)
		s.err = eng.StopContainer(ctx, ref.ID, timeout)
	}()
}

// take hands the early stop of container id to the recreate that replaces
// it: wait returns the stop's result. ok is false when no early stop of id
// began, or another took it.
func (e *EarlyStops) take(id string) (wait func() error, ok bool) {
	if e == nil {
		return nil, false
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	s, found := e.stops[id]
	if !found || s.taken {
		return nil, false
	}
	s.taken = true
	return func() error { <-s.done; return s.err }, true
}

// Restore waits for the early stops and starts again each container that
// was stopped but that no recreate took over. Call it once the up has
// applied its plan, or failed before; a second call does nothing.
func (e *EarlyStops) Restore(ctx context.Context, eng interface {
	StartContainer(ctx context.Context, id string) error
}) error {
	if e == nil {
		return nil
	}
	e.mu.Lock()
	var undo []*earlyStop
	for _, s := range e.stops {
		if !s.taken {
			s.taken = true
			undo = append(undo, s)
		}
	}
	e.mu.Unlock()
	slices.SortFunc(undo, func(a, b *earlyStop) int { return cmp.Compare(a.name, b.name) })
	var errs []error
	for _, s := range undo {
		<-s.done
		if s.err != nil {
			continue // not stopped: nothing to undo
		}
		if err := ignoreNotFound(eng.StartContainer(ctx, s.id)); err != nil {
			errs = append(errs, fmt.Errorf("start %s again after stopping it for a recreate that did not happen: %w", s.name, err))
		}
	}
	return errors.Join(errs...)
}
