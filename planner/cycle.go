package planner

import (
	"fmt"
	"slices"
	"strings"
)

// findCycle returns an error naming the first cycle found by a depth-first
// search that starts from services in name order and follows dependencies
// in name order, so the same project always reports the same cycle.
//
// Services already fully explored are not searched again (unlike
// compose-go's cycle.go, which re-walks shared subgraphs and so grows
// exponentially on diamond-shaped graphs).
func (g *Graph) findCycle() error {
	const (
		unvisited = iota
		onPath    // on the current search path
		done      // explored, no cycle through it
	)
	state := make(map[string]int, len(g.services))
	var path []string

	var visit func(string) error
	visit = func(s string) error {
		state[s] = onPath
		path = append(path, s)
		for _, d := range g.deps[s] {
			switch state[d] {
			case onPath:
				loop := append(slices.Clone(path[slices.Index(path, d):]), d)
				return fmt.Errorf("%w: %s", ErrCycle, strings.Join(loop, " -> "))
			case unvisited:
				if err := visit(d); err != nil {
					return err
				}
			}
		}
		path = path[:len(path)-1]
		state[s] = done
		return nil
	}

	for _, s := range g.services {
		if state[s] == unvisited {
			if err := visit(s); err != nil {
				return err
			}
		}
	}
	return nil
}
