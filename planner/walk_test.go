package planner

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
)

// recorder logs a walk: when each call started and ended on one logical
// clock, and how many calls overlapped. Tests compare clock ticks, never
// wall time.
type recorder struct {
	mu          sync.Mutex
	changed     *sync.Cond // broadcast on every start and end
	clock       int
	start, end  map[string]int
	calls       []string // in start order
	inFlight    int
	maxInFlight int
}

func newRecorder() *recorder {
	r := &recorder{start: map[string]int{}, end: map[string]int{}}
	r.changed = sync.NewCond(&r.mu)
	return r
}

func (r *recorder) begin(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.clock++
	r.start[s] = r.clock
	r.calls = append(r.calls, s)
	r.inFlight++
	r.maxInFlight = max(r.maxInFlight, r.inFlight)
	r.changed.Broadcast()
}

func (r *recorder) finish(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.clock++
	r.end[s] = r.clock
	r.inFlight--
	r.changed.Broadcast()
}

// waitFor blocks until cond holds; cond runs with r.mu held.
func (r *recorder) waitFor(cond func() bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for !cond() {
		r.changed.Wait()
	}
}

func (r *recorder) called() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Sorted(slices.Values(r.calls))
}

// chain is web -> api -> db, plus cache on its own.
func chain() *types.Project {
	return project(
		types.ServiceConfig{Name: "web", DependsOn: needs("api")},
		types.ServiceConfig{Name: "api", NetworkMode: "service:db"},
		types.ServiceConfig{Name: "db"},
		types.ServiceConfig{Name: "cache"},
	)
}

// reaches reports whether from depends on to, directly or not, following
// Edges in dir. It is deliberately independent of the walker's own logic.
func reaches(g *Graph, dir Direction, from, to string) bool {
	next := func(s string) []string {
		if dir == Reverse {
			return g.Dependents(s)
		}
		var out []string
		for _, e := range g.Edges(s) {
			out = append(out, e.To)
		}
		return out
	}
	seen := map[string]bool{}
	stack := next(from)
	for len(stack) > 0 {
		s := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if s == to {
			return true
		}
		if !seen[s] {
			seen[s] = true
			stack = append(stack, next(s)...)
		}
	}
	return false
}

func TestWalkOrder(t *testing.T) {
	tests := []struct {
		name  string
		p     *types.Project
		dir   Direction
		limit int
		only  []string
	}{
		{name: "diamond forward", p: diamond(), dir: Forward},
		{name: "diamond reverse", p: diamond(), dir: Reverse},
		{name: "diamond forward one at a time", p: diamond(), dir: Forward, limit: 1},
		{name: "diamond reverse two at a time", p: diamond(), dir: Reverse, limit: 2},
		{name: "chain forward", p: chain(), dir: Forward},
		{name: "chain reverse", p: chain(), dir: Reverse},
		{name: "only, ordered through a service not walked", p: chain(), dir: Forward, only: []string{"web", "db"}},
		{name: "only, reverse through a service not walked", p: chain(), dir: Reverse, only: []string{"db", "web"}},
		{name: "only, diamond tips", p: diamond(), dir: Forward, only: []string{"web", "db", "z"}},
		{name: "only, a dependency not walked does not block", p: diamond(), dir: Forward, only: []string{"api"}},
		{name: "only, duplicates", p: chain(), dir: Reverse, only: []string{"api", "api", "db"}},
		{name: "only, empty walks nothing", p: chain(), dir: Forward, only: []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := Build(tt.p)
			if err != nil {
				t.Fatalf("Build: %v", err)
			}
			rec := newRecorder()
			err = g.Walk(t.Context(), tt.dir, tt.limit, tt.only, func(ctx context.Context, s string) error {
				rec.begin(s)
				runtime.Gosched() // give other calls a chance to overlap
				rec.finish(s)
				return nil
			})
			if err != nil {
				t.Fatalf("Walk(%v, %d, %q) got error %v, want nil", tt.dir, tt.limit, tt.only, err)
			}

			want := g.Services()
			if tt.only != nil {
				want = slices.Compact(slices.Sorted(slices.Values(tt.only)))
			}
			if got := rec.called(); !slices.Equal(got, want) {
				t.Fatalf("Walk(%v, %d, %q) called %q, want each of %q once", tt.dir, tt.limit, tt.only, got, want)
			}
			for _, s := range want {
				for _, d := range want {
					if reaches(g, tt.dir, s, d) && rec.end[d] > rec.start[s] {
						t.Errorf("Walk(%v) started %q at tick %d, before %q ended at tick %d",
							tt.dir, s, rec.start[s], d, rec.end[d])
					}
				}
			}
			if tt.limit > 0 && rec.maxInFlight > tt.limit {
				t.Errorf("Walk(limit %d) ran %d calls at once", tt.limit, rec.maxInFlight)
			}
		})
	}
}

func TestWalkLimit(t *testing.T) {
	var services []types.ServiceConfig
	for i := range 10 {
		services = append(services, types.ServiceConfig{Name: fmt.Sprintf("s%02d", i)})
	}
	g, err := Build(project(services...))
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	tests := []struct {
		limit, want int
	}{
		{limit: 1, want: 1},
		{limit: 3, want: 3},
		{limit: 10, want: 10},
		{limit: 0, want: 10},
		{limit: -1, want: 10},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint("limit=", tt.limit), func(t *testing.T) {
			rec := newRecorder()
			total := len(g.Services())
			err := g.Walk(t.Context(), Forward, tt.limit, nil, func(ctx context.Context, s string) error {
				rec.begin(s)
				// Hold every call until the expected number run together
				// (or nothing else is left to start), so a walker that
				// ignored the limit would be caught with more in flight.
				rec.waitFor(func() bool { return rec.inFlight >= tt.want || len(rec.calls) == total })
				rec.finish(s)
				return nil
			})
			if err != nil {
				t.Fatalf("Walk: %v", err)
			}
			if rec.maxInFlight != tt.want {
				t.Errorf("Walk(limit %d) ran at most %d calls at once, want %d", tt.limit, rec.maxInFlight, tt.want)
			}
		})
	}
}

func TestWalkError(t *testing.T) {
	boom := errors.New("boom")
	g, err := Build(chain())
	if err != nil {
		t.Fatalf("Build: %v", err)
	}

	t.Run("forward failure cancels the rest and skips dependents", func(t *testing.T) {
		rec := newRecorder()
		var cacheSawCancel bool
		err := g.Walk(t.Context(), Forward, 0, nil, func(ctx context.Context, s string) error {
			rec.begin(s)
			defer rec.finish(s)
			switch s {
			case "db":
				rec.waitFor(func() bool { return rec.start["cache"] > 0 })
				return boom
			case "cache":
				<-ctx.Done()
				cacheSawCancel = true
				return fmt.Errorf("stopping: %w", ctx.Err())
			}
			return nil
		})
		if got, want := fmt.Sprint(err), `service "db": boom`; got != want || !errors.Is(err, boom) {
			t.Errorf("Walk() error got %q, want %q wrapping boom", got, want)
		}
		if !cacheSawCancel {
			t.Errorf("Walk() did not cancel the context of the running call for cache")
		}
		if got, want := rec.called(), []string{"cache", "db"}; !slices.Equal(got, want) {
			t.Errorf("Walk() called %q, want %q (dependents of db skipped)", got, want)
		}
	})

	t.Run("reverse failure skips dependencies", func(t *testing.T) {
		rec := newRecorder()
		err := g.Walk(t.Context(), Reverse, 1, []string{"web", "api", "db"}, func(ctx context.Context, s string) error {
			rec.begin(s)
			defer rec.finish(s)
			if s == "web" {
				return boom
			}
			return nil
		})
		if got, want := fmt.Sprint(err), `service "web": boom`; got != want {
			t.Errorf("Walk() error got %q, want %q", got, want)
		}
		if got, want := rec.called(), []string{"web"}; !slices.Equal(got, want) {
			t.Errorf("Walk() called %q, want %q", got, want)
		}
	})

	t.Run("every real failure is reported", func(t *testing.T) {
		rec := newRecorder()
		errA, errB := errors.New("a failed"), errors.New("b failed")
		err := g.Walk(t.Context(), Forward, 0, []string{"cache", "db"}, func(ctx context.Context, s string) error {
			rec.begin(s)
			defer rec.finish(s)
			rec.waitFor(func() bool { return len(rec.calls) == 2 })
			if s == "cache" {
				return errA
			}
			return errB
		})
		if !errors.Is(err, errA) || !errors.Is(err, errB) {
			t.Fatalf("Walk() error got %v, want both failures", err)
		}
		for _, want := range []string{`service "cache": a failed`, `service "db": b failed`} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("Walk() error got %q, want it to contain %q", err, want)
			}
		}
	})

	t.Run("caller cancels between calls", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		rec := newRecorder()
		err := g.Walk(ctx, Forward, 0, []string{"web", "api", "db"}, func(ctx context.Context, s string) error {
			rec.begin(s)
			defer rec.finish(s)
			if s == "db" {
				cancel() // as on SIGINT; db itself finishes fine
			}
			return nil
		})
		want := `stopped before starting "api", "web": context canceled`
		if fmt.Sprint(err) != want || !errors.Is(err, context.Canceled) {
			t.Errorf("Walk() error got %q, want %q wrapping context.Canceled", err, want)
		}
		if got := rec.called(); !slices.Equal(got, []string{"db"}) {
			t.Errorf("Walk() called %q, want only db", got)
		}
	})

	t.Run("context cancelled before the walk", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		calls := 0
		err := g.Walk(ctx, Forward, 0, nil, func(context.Context, string) error { calls++; return nil })
		if !errors.Is(err, context.Canceled) || calls != 0 {
			t.Errorf("Walk(cancelled ctx) got error %v and %d calls, want context.Canceled and 0 calls", err, calls)
		}
	})
}

func TestWalkInvalid(t *testing.T) {
	g, err := Build(chain())
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	nop := func(context.Context, string) error { return nil }
	tests := []struct {
		name    string
		dir     Direction
		only    []string
		fn      func(context.Context, string) error
		wantErr string
	}{
		{name: "unknown service", dir: Forward, only: []string{"wbe", "db", "nope"}, fn: nop,
			wantErr: `no such service "nope"` + "\n" + `no such service "wbe" (did you mean "web"?)`},
		{name: "no function", dir: Forward, wantErr: "planner: walk needs a function to call"},
		{name: "bad direction", dir: Direction(7), fn: nop, wantErr: "planner: walk in unknown direction Direction(7)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := g.Walk(t.Context(), tt.dir, 0, tt.only, tt.fn)
			if fmt.Sprint(err) != tt.wantErr {
				t.Errorf("Walk(%v, %q) got error %v, want %q", tt.dir, tt.only, err, tt.wantErr)
			}
		})
	}
}
