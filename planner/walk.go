package planner

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sync/errgroup"
)

// Direction is the order in which [Graph.Walk] visits services.
type Direction int

const (
	// Forward visits dependencies before the services that need them, as
	// up and start do.
	Forward Direction = iota
	// Reverse visits dependents before the services they need, as down and
	// stop do.
	Reverse
)

func (d Direction) String() string {
	switch d {
	case Forward:
		return "forward"
	case Reverse:
		return "reverse"
	}
	return fmt.Sprintf("Direction(%d)", int(d))
}

// Walk calls fn once for each service in only (nil means every service; an
// empty, non-nil slice means none), after fn has returned successfully for
// all of the service's walked dependencies (Forward) or dependents
// (Reverse). At most limit calls run at once; limit <= 0 means no limit. Among services that become ready
// together, calls start in name order.
//
// Services outside only are not called, but edges through them still order
// the ones that are: if web needs app needs db and only web and db are
// walked, web waits for db. Nothing waits for a service that is not walked.
//
// On the first error Walk cancels the context passed to the calls still
// running, starts nothing new, waits for the running calls, and returns
// every error joined, each naming its service (`service "db": ...`). Errors
// that only report that cancellation are left out. If ctx is cancelled
// before every service ran, the error says which services never started.
func (g *Graph) Walk(ctx context.Context, dir Direction, limit int, only []string, fn func(ctx context.Context, service string) error) error {
	if fn == nil {
		return errors.New("planner: walk needs a function to call")
	}
	var next map[string][]string // whom a service waits for
	switch dir {
	case Forward:
		next = g.deps
	case Reverse:
		next = g.dependents
	default:
		return fmt.Errorf("planner: walk in unknown direction %v", dir)
	}
	walked, err := g.walkSet(only)
	if err != nil {
		return err
	}
	if len(walked) == 0 {
		return nil
	}
	w := &walker{
		fn:      fn,
		pending: make(map[string]int, len(walked)),
		unblock: make(map[string][]string, len(walked)),
		// Each walked service sends exactly one result, so workers never
		// block on the dispatcher, even while the dispatcher itself is
		// blocked in eg.Go waiting for a free slot.
		results: make(chan walkResult, len(walked)),
	}
	services := slices.Sorted(maps.Keys(walked))
	var ready []string
	for _, s := range services {
		waits := waitSet(s, walked, next)
		w.pending[s] = len(waits)
		for _, d := range waits {
			w.unblock[d] = append(w.unblock[d], s)
		}
		if len(waits) == 0 {
			ready = append(ready, s)
		}
	}
	return w.run(ctx, limit, ready, services)
}

// walkSet resolves Walk's only argument to a set of services.
func (g *Graph) walkSet(only []string) (map[string]bool, error) {
	if only == nil {
		only = g.services
	}
	set := make(map[string]bool, len(only))
	var errs []error
	for _, s := range slices.Compact(slices.Sorted(slices.Values(only))) {
		if !g.has(s) {
			errs = append(errs, unknownNameError(s, g.services, g.disabled))
			continue
		}
		set[s] = true
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return set, nil
}

// waitSet returns the walked services that s must wait for: the nearest
// walked ones along next, looking through services that are not walked.
func waitSet(s string, walked map[string]bool, next map[string][]string) []string {
	seen := map[string]bool{s: true}
	var waits []string
	stack := slices.Clone(next[s])
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[n] {
			continue
		}
		seen[n] = true
		if walked[n] {
			waits = append(waits, n)
			continue // n's own dependencies already order n
		}
		stack = append(stack, next[n]...)
	}
	slices.Sort(waits)
	return waits
}

type walkResult struct {
	service string
	ran     bool // false when cancellation came before the call started
	err     error
}

// walker holds one Walk's state. Only the dispatcher (the goroutine that
// called Walk) touches pending and unblock; workers talk to it through
// results.
type walker struct {
	fn      func(context.Context, string) error
	pending map[string]int      // walked dependencies not yet finished
	unblock map[string][]string // service -> services waiting on it
	results chan walkResult
}

func (w *walker) run(ctx context.Context, limit int, ready, services []string) error {
	eg, wctx := errgroup.WithContext(ctx)
	if limit > 0 {
		// The dispatcher loop below runs in the caller's goroutine, not in
		// the group, so every slot is a call to fn: no +1.
		eg.SetLimit(limit)
	}

	inFlight, failed := 0, false
	finished := make(map[string]bool, len(services))
	var errs []error
	start := func(services []string) {
		for _, s := range services {
			if failed || wctx.Err() != nil {
				return
			}
			inFlight++
			eg.Go(func() error {
				// The slot may have freed up because another call failed;
				// errgroup cancels wctx before releasing the slot.
				if wctx.Err() != nil {
					w.results <- walkResult{service: s}
					return nil
				}
				err := w.fn(wctx, s)
				if err != nil {
					err = fmt.Errorf("service %q: %w", s, err)
				}
				w.results <- walkResult{service: s, ran: true, err: err}
				return err // cancels wctx for the others
			})
		}
	}

	start(ready)
	for inFlight > 0 {
		r := <-w.results
		inFlight--
		if r.err != nil {
			// A call that merely stopped because an earlier one failed adds
			// noise, not information. The failure's result always arrives
			// first: it is sent before errgroup cancels wctx.
			echo := failed && ctx.Err() == nil && errors.Is(r.err, context.Canceled)
			if !echo {
				errs = append(errs, r.err)
			}
			failed = true
			continue
		}
		if !r.ran {
			continue
		}
		finished[r.service] = true
		var now []string
		for _, s := range w.unblock[r.service] {
			w.pending[s]--
			if w.pending[s] == 0 {
				now = append(now, s)
			}
		}
		slices.Sort(now)
		start(now)
	}
	// Every started call has reported, so this only reaps goroutines; their
	// errors are already in errs.
	_ = eg.Wait()

	if !failed && len(finished) < len(services) {
		// Only ctx being cancelled from outside stops a walk without an
		// error from fn; say what was left undone.
		var never []string
		for _, s := range services {
			if !finished[s] {
				never = append(never, strconv.Quote(s))
			}
		}
		errs = append(errs, fmt.Errorf("stopped before starting %s: %w",
			strings.Join(never, ", "), context.Cause(ctx)))
	}
	return errors.Join(errs...)
}
