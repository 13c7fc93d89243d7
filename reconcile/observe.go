package reconcile

import (
	"context"
	"strconv"

	"golang.org/x/sync/errgroup"

	"github.com/berth-dev/berth/engine"
)

// State is one snapshot of what the engine holds for a project. Planning
// reads nothing else.
type State struct {
	Containers []engine.Container
	Networks   []engine.Network
	Volumes    []engine.Volume
	Images     []engine.Image
}

// Observer is what taking a snapshot needs: the project-filtered lists and
// the local images.
type Observer interface {
	engine.Lister
	Images(ctx context.Context) ([]engine.Image, error)
}

// Observe takes one snapshot of project's resources: one list call per
// kind. The four calls are independent, so they run at once: on a no-op
// `up` they are most of the time spent waiting on the daemon. The engine's
// errors name the list that failed, so they are returned as they are.
func Observe(ctx context.Context, l Observer, project string) (State, error) {
	var s State
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) { s.Containers, err = l.Containers(ctx, project); return err })
	g.Go(func() (err error) { s.Networks, err = l.Networks(ctx, project); return err })
	g.Go(func() (err error) { s.Volumes, err = l.Volumes(ctx, project); return err })
	g.Go(func() (err error) { s.Images, err = l.Images(ctx); return err })
	if err := g.Wait(); err != nil {
		return State{}, err
	}
	return s, nil
}

// ours reports whether labels mark a resource as project's. Listers filter
// by project already; planning checks again so that a hand-built or
// unfiltered State can never make berth touch someone else's resources.
func ours(labels map[string]string, project string) bool {
	return labels[engine.LabelProject] == project
}

func isOneoff(c engine.Container) bool {
	return c.Labels[engine.LabelOneoff] == "True"
}

// containerNumber returns the container-number label, or 0 when it is
// missing or invalid.
func containerNumber(c engine.Container) int {
	n, err := strconv.Atoi(c.Labels[engine.LabelNumber])
	if err != nil || n < 1 {
		return 0
	}
	return n
}

func isRunning(c engine.Container) bool {
	switch c.State {
	case "running", "restarting", "paused":
		return true
	}
	return false
}

// isStopped reports whether a container can simply be started.
func isStopped(c engine.Container) bool {
	return c.State == "exited" || c.State == "created"
}
