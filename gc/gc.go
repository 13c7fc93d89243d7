// Package gc decides which stacks berth may remove because nobody will
// come back for them: their TTL (up --ttl) passed, the berth that held their
// lease is gone, or, when asked, they are older than a given age.
//
// A stack is every container, network and volume carrying one value of the
// compose project label; nothing without that label is ever considered.
// A stack whose lease is live (a running lease container of the project,
// see package reaper) or whose TTL has not passed is always kept, so gc is
// safe to run at the start of every CI job, beside stacks of running jobs.
//
// Deciding is pure ([Decide]); removing is `down -v --remove-orphans` of
// the project ([Remove]).
package gc

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/reconcile"
)

// Stack is one project's resources as gc sees them.
type Stack struct {
	Name       string
	Containers []engine.Container
	Networks   []engine.Network
	Volumes    []engine.Volume
	// TTLUntil is the latest TTL on its resources; zero when none has one.
	TTLUntil time.Time
	// LeaseOwner is the lease-owner label found on its resources, "" when
	// none carries one.
	LeaseOwner string
	// Lease is a running lease container of the project, nil when none runs.
	Lease *engine.Container
	// Created is when its newest container was created; zero when it has
	// no container (only volumes and networks, say after a down that kept
	// the volumes).
	Created time.Time
}

// Stacks groups the resources of every project, sorted by name, and
// attaches the running lease containers. Resources without the project
// label are skipped.
func Stacks(cs []engine.Container, ns []engine.Network, vs []engine.Volume, leases []engine.Container) []Stack {
	by := map[string]*Stack{}
	get := func(labels map[string]string) *Stack {
		name, ok := labels[engine.LabelProject]
		if !ok || name == "" {
			return nil
		}
		s := by[name]
		if s == nil {
			s = &Stack{Name: name}
			by[name] = s
		}
		s.note(labels)
		return s
	}
	for _, c := range cs {
		if s := get(c.Labels); s != nil {
			s.Containers = append(s.Containers, c)
			if c.Created.After(s.Created) {
				s.Created = c.Created
			}
		}
	}
	for _, n := range ns {
		if s := get(n.Labels); s != nil {
			s.Networks = append(s.Networks, n)
		}
	}
	for _, v := range vs {
		if s := get(v.Labels); s != nil {
			s.Volumes = append(s.Volumes, v)
		}
	}
	for _, l := range leases {
		if s := by[l.Labels[engine.LabelLease]]; s != nil && l.State == "running" {
			s.Lease = &l
		}
	}
	out := make([]Stack, 0, len(by))
	for _, name := range slices.Sorted(maps.Keys(by)) {
		out = append(out, *by[name])
	}
	return out
}

// note takes the TTL and lease owner from one resource's labels. A TTL
// that does not parse is ignored, as if absent: gc removes nothing on a
// guess.
func (s *Stack) note(labels map[string]string) {
	if v := labels[engine.LabelTTLUntil]; v != "" {
		if t, err := time.Parse(time.RFC3339, v); err == nil && t.After(s.TTLUntil) {
			s.TTLUntil = t
		}
	}
	s.LeaseOwner = cmp.Or(s.LeaseOwner, labels[engine.LabelLeaseOwner])
}

// Options are gc's choices.
type Options struct {
	Now time.Time
	// OlderThan, when positive, also removes stacks without a lease or TTL
	// whose containers were all created at least this long ago.
	OlderThan time.Duration
}

// Reason codes, stable for output.
const (
	KeepLeased    = "lease-live"
	KeepTTL       = "ttl-pending"
	KeepUnmanaged = "no-ttl-or-lease"
	RemoveTTL     = "ttl-expired"
	RemoveLease   = "lease-expired"
	RemoveOlder   = "older-than"
	KeepNotOldYet = "not-old-enough"
	KeepNoAge     = "no-containers"
)

// Decision is what gc does with one stack, and why.
type Decision struct {
	Stack  Stack
	Remove bool
	Code   string // one of the reason codes
	Detail string // one human sentence
}

// Decide decides for each stack, in the order given. It is pure.
func Decide(stacks []Stack, opts Options) []Decision {
	out := make([]Decision, 0, len(stacks))
	for _, s := range stacks {
		out = append(out, decide(s, opts))
	}
	return out
}

func decide(s Stack, o Options) Decision {
	d := Decision{Stack: s}
	switch {
	case s.Lease != nil:
		d.Code = KeepLeased
		d.Detail = fmt.Sprintf("lease held by %s (container %s)", cmp.Or(s.Lease.Labels[engine.LabelLeaseOwner], "a berth"), s.Lease.Name)
	case !s.TTLUntil.IsZero() && s.TTLUntil.After(o.Now):
		d.Code = KeepTTL
		d.Detail = "TTL until " + s.TTLUntil.UTC().Format(time.RFC3339)
	case !s.TTLUntil.IsZero():
		d.Remove, d.Code = true, RemoveTTL
		d.Detail = fmt.Sprintf("TTL passed at %s", s.TTLUntil.UTC().Format(time.RFC3339))
	case s.LeaseOwner != "":
		d.Remove, d.Code = true, RemoveLease
		d.Detail = fmt.Sprintf("lease of %s expired: no lease container of the project runs", s.LeaseOwner)
	case o.OlderThan <= 0:
		d.Code = KeepUnmanaged
		d.Detail = "no TTL or lease"
	case s.Created.IsZero():
		// Volumes kept by a down hold data someone chose to keep; their age
		// is unknown, so --older-than leaves them.
		d.Code = KeepNoAge
		d.Detail = "no containers, so no age"
	case o.Now.Sub(s.Created) < o.OlderThan:
		d.Code = KeepNotOldYet
		d.Detail = fmt.Sprintf("created %s ago", age(o.Now.Sub(s.Created)))
	default:
		d.Remove, d.Code = true, RemoveOlder
		d.Detail = fmt.Sprintf("created %s ago, more than --older-than %s", age(o.Now.Sub(s.Created)), o.OlderThan)
	}
	return d
}

func age(d time.Duration) string {
	return d.Truncate(time.Second).String()
}

// Engine is what removing a stack needs.
type Engine interface {
	reconcile.Observer
	reconcile.Engine
}

// PlanRemove plans `down -v --remove-orphans` of project from what the
// engine holds: every labelled container, one-offs included, the project's
// networks and its volumes. No compose file is needed.
func PlanRemove(ctx context.Context, eng reconcile.Observer, project string) (reconcile.Plan, error) {
	state, err := reconcile.Observe(ctx, eng, project)
	if err != nil {
		return reconcile.Plan{}, err
	}
	return reconcile.PlanDown(&types.Project{Name: project}, state, reconcile.DownOptions{Volumes: true, RemoveOrphans: true})
}

// Remove removes project's stack as PlanRemove plans it, without progress
// output: for the reaper, which has no one to show it to.
func Remove(ctx context.Context, eng Engine, project string) error {
	plan, err := PlanRemove(ctx, eng, project)
	if err != nil {
		return err
	}
	return reconcile.Apply(ctx, plan, eng, reconcile.ApplyOptions{})
}
