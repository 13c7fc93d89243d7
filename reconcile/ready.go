package reconcile

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/berth-dev/berth/engine"
)

// WaitOptions tune Wait.
type WaitOptions struct {
	// Services limits the wait to these services; nil waits for every
	// service of the project.
	Services []string
	// PollInterval is how often each container is inspected; zero means
	// 500ms, as compose polls.
	PollInterval time.Duration
	// Progress receives one "Waiting" event per container, then its final
	// one; it may be nil. Wait's events carry no Kind, and Action is the
	// container's position in the wait.
	Progress func(Event)
}

// Wait is `up --wait`: it returns once every container of the selected
// services in s is running (and healthy, when it has a healthcheck) or has
// exited 0. It fails as soon as one exits with another code or turns
// unhealthy, with the last probe output, and returns ctx's error when ctx
// ends first. s is a snapshot taken after Apply; only the containers of
// p's project are waited for, one-off containers and orphans never.
//
// The containers are inspected in turn from this goroutine, once per
// PollInterval, so that the first failure among them ends the wait
// whichever container it is.
func Wait(ctx context.Context, eng engine.Inspector, p *types.Project, s State, opts WaitOptions) error {
	if p == nil {
		return errors.New("wait: no project loaded")
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = 500 * time.Millisecond
	}
	pending := waitTargets(p, s, opts.Services)
	emit := func(i int, ref Ref, status, text string, err error) {
		if opts.Progress != nil {
			opts.Progress(Event{Action: i, Target: ref, Status: status, Text: text, Err: err})
		}
	}
	index := map[string]int{}
	for i, ref := range pending {
		index[ref.Name] = i
		emit(i, ref, StatusWorking, "Waiting", nil)
	}
	t := time.NewTicker(opts.PollInterval)
	defer t.Stop()
	for len(pending) > 0 {
		var waiting []Ref
		var errs []error
		for _, ref := range pending {
			i := index[ref.Name]
			c, err := eng.InspectContainer(ctx, ref.ID)
			var done string
			if err == nil {
				done, err = judge(ctx, eng, c, false)
				if err != nil {
					err = fmt.Errorf("service %q: container %s %w", ref.Service, ref.Name, err)
				}
			} else if ctx.Err() == nil {
				err = fmt.Errorf("service %q: %w", ref.Service, err)
			}
			switch {
			case ctx.Err() != nil:
				return ctx.Err()
			case err != nil:
				emit(i, ref, StatusError, "Error", err)
				errs = append(errs, err)
			case done != "":
				emit(i, ref, StatusDone, done, nil)
			default:
				waiting = append(waiting, ref)
			}
		}
		if len(errs) > 0 {
			return errors.Join(errs...)
		}
		if pending = waiting; len(pending) == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return nil
}

// waitTargets lists the containers Wait watches, by service, then number.
func waitTargets(p *types.Project, s State, services []string) []Ref {
	if services == nil {
		services = p.ServiceNames()
	}
	var out []engine.Container
	for _, c := range s.Containers {
		if ours(c.Labels, p.Name) && !isOneoff(c) && slices.Contains(services, c.Labels[engine.LabelService]) {
			if _, ok := p.Services[c.Labels[engine.LabelService]]; ok {
				out = append(out, c)
			}
		}
	}
	slices.SortFunc(out, func(a, b engine.Container) int {
		return cmp.Or(cmp.Compare(a.Labels[engine.LabelService], b.Labels[engine.LabelService]), compareContainers(a, b))
	})
	refs := make([]Ref, len(out))
	for i, c := range out {
		refs[i] = containerRef(c)
	}
	return refs
}
