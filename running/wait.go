package running

import (
	"context"
	"slices"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/berth-dev/berth/engine"
)

// Waiter is what Wait needs.
type Waiter interface {
	WaitContainer(ctx context.Context, id string) (int, error)
}

// Wait blocks until every container in cs has exited, calling exited as
// each one does (from several goroutines, one at a time), and returns the
// exit code of the last to exit: compose's `wait` reports that one. The
// first failure to wait ends the others.
func Wait(ctx context.Context, eng Waiter, cs []engine.Container, exited func(c engine.Container, code int)) (int, error) {
	var (
		mu   sync.Mutex
		last int
	)
	g, ctx := errgroup.WithContext(ctx)
	for _, c := range cs {
		g.Go(func() error {
			code, err := eng.WaitContainer(ctx, c.ID)
			if err != nil {
				return err
			}
			mu.Lock()
			defer mu.Unlock()
			last = code
			if exited != nil {
				exited(c, code)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return 0, err
	}
	return last, nil
}

// Waitable returns the containers of services (all when empty) that the
// engine lists as running, paused or restarting, one-offs included, as
// compose's wait picks them.
func Waitable(cs []engine.Container, services []string) []engine.Container {
	var out []engine.Container
	for _, c := range cs {
		if isUp(c) && (len(services) == 0 || slices.Contains(services, c.Labels[engine.LabelService])) {
			out = append(out, c)
		}
	}
	return out
}
