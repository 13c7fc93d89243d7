// Package composeconv converts compose values to Docker API values where
// the container engine (engine/docker) and the swarm (reconcile/stack)
// take them alike; where they differ (healthchecks, extra hosts), each
// keeps its own conversion.
package composeconv

import (
	"maps"
	"slices"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/moby/moby/api/types/container"
)

// Environment renders the resolved environment as KEY=VALUE, sorted so
// that the order of a map never reads as a change. A key without a value
// (nil) is passed as KEY alone, as compose does, which tells the engine to
// leave it unset. An empty environment is nil.
func Environment(env types.MappingWithEquals) []string {
	var out []string
	for k, v := range env {
		if v == nil {
			out = append(out, k)
			continue
		}
		out = append(out, k+"="+*v)
	}
	slices.Sort(out)
	return out
}

// Ulimits converts ulimits, sorted by name. A single value ("nofile:
// 1024") is both the soft and the hard limit; the loader sets either it or
// soft and hard, never both.
func Ulimits(in map[string]*types.UlimitsConfig) []*container.Ulimit {
	var out []*container.Ulimit
	for _, name := range slices.Sorted(maps.Keys(in)) {
		u := in[name]
		soft, hard := int64(u.Soft), int64(u.Hard)
		if u.Single != 0 {
			soft, hard = int64(u.Single), int64(u.Single)
		}
		out = append(out, &container.Ulimit{Name: name, Soft: soft, Hard: hard})
	}
	return out
}
