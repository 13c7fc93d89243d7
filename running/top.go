package running

import (
	"context"
	"slices"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/berth-dev/berth/engine"
)

// ProcessLister is what Top needs.
type ProcessLister interface {
	TopContainer(ctx context.Context, id string) (engine.Processes, error)
}

// Processes is one container's process table.
type Processes struct {
	Container engine.Container
	engine.Processes
}

// Top lists the processes of each container, sorted by container name. The
// calls run at once, as in compose; the first failure ends them all.
func Top(ctx context.Context, eng ProcessLister, cs []engine.Container) ([]Processes, error) {
	out := make([]Processes, len(cs))
	g, ctx := errgroup.WithContext(ctx)
	for i, c := range cs {
		g.Go(func() error {
			p, err := eng.TopContainer(ctx, c.ID)
			out[i] = Processes{Container: c, Processes: p}
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b Processes) int { return strings.Compare(a.Container.Name, b.Container.Name) })
	return out, nil
}
