package running

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/berth-dev/berth/engine"
)

// Stack is one line of `ls --wide`: compose's columns, then what berth
// records about a stack's life in its own labels. The field names are the
// JSON keys.
type Stack struct {
	Project
	// BaseProject is Name without the environment and CI suffixes
	// (NAME-ENV, NAME-ci-ID).
	BaseProject string
	Environment string
	CIID        string `json:"CIID"`
	// Created is when the oldest container was created.
	Created time.Time `json:",omitzero"`
	// TTLUntil is the latest TTL on the containers, RFC 3339; "" for none.
	TTLUntil string
	// Lease is "live" while a lease container of the project runs,
	// "expired" when the containers name a lease owner and none runs, ""
	// when the stack was never leased.
	Lease      string
	LeaseOwner string
}

// Stacks is Projects with the life of each stack: projects come from cs
// (as for Projects), leases are the lease containers.
func Stacks(cs, leases []engine.Container) []Stack {
	live := map[string]bool{}
	for _, l := range leases {
		if l.State == "running" {
			live[l.Labels[engine.LabelLease]] = true
		}
	}
	byName := map[string][]engine.Container{}
	for _, c := range cs {
		if name, ok := c.Labels[engine.LabelProject]; ok {
			byName[name] = append(byName[name], c)
		}
	}
	var out []Stack
	for _, p := range Projects(cs) {
		s := Stack{Project: p}
		for _, c := range byName[p.Name] {
			s.Environment = cmp.Or(s.Environment, c.Labels[engine.LabelEnv])
			s.CIID = cmp.Or(s.CIID, c.Labels[engine.LabelCIID])
			s.LeaseOwner = cmp.Or(s.LeaseOwner, c.Labels[engine.LabelLeaseOwner])
			if s.Created.IsZero() || (!c.Created.IsZero() && c.Created.Before(s.Created)) {
				s.Created = c.Created
			}
			// RFC 3339 in UTC sorts as text.
			if ttl := c.Labels[engine.LabelTTLUntil]; ttl > s.TTLUntil {
				s.TTLUntil = ttl
			}
		}
		switch {
		case live[p.Name]:
			s.Lease = "live"
		case s.LeaseOwner != "":
			s.Lease = "expired"
		}
		s.BaseProject = baseProject(p.Name, s.Environment, s.CIID)
		out = append(out, s)
	}
	return out
}

// baseProject strips the suffixes berth adds for a CI job and an
// environment, in the order it adds them: NAME-ENV-ci-ID.
func baseProject(name, env, ciID string) string {
	if ciID != "" {
		name = strings.TrimSuffix(name, "-ci-"+ciID)
	}
	if env != "" {
		name = strings.TrimSuffix(name, "-"+env)
	}
	return name
}

// FilterStacks keeps the stacks whose project f keeps.
func FilterStacks(f NameFilter, ss []Stack) []Stack {
	if len(f) == 0 {
		return ss
	}
	return slices.DeleteFunc(slices.Clone(ss), func(s Stack) bool { return !f.match(s.Name) })
}
