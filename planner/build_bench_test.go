package planner

import (
	"fmt"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
)

// treeProject has n services where svc-i depends on svc-(2i+1) and
// svc-(2i+2): a binary tree, many shared-free paths, a realistic upper
// bound for the size of a compose file.
func treeProject(n int) *types.Project {
	name := func(i int) string { return fmt.Sprintf("svc-%03d", i) }
	services := make([]types.ServiceConfig, n)
	for i := range n {
		s := types.ServiceConfig{Name: name(i)}
		var deps []string
		for _, c := range []int{2*i + 1, 2*i + 2} {
			if c < n {
				deps = append(deps, name(c))
			}
		}
		if len(deps) > 0 {
			s.DependsOn = needs(deps...)
		}
		services[i] = s
	}
	return project(services...)
}

func BenchmarkBuild(b *testing.B) {
	p := treeProject(200)
	for b.Loop() {
		if _, err := Build(p); err != nil {
			b.Fatal(err)
		}
	}
}

func TestTreeProject(t *testing.T) {
	g, err := Build(treeProject(200))
	if err != nil {
		t.Fatalf("Build(tree of 200) got error %v", err)
	}
	// A binary tree of 200 nodes is 8 levels deep (2^7 <= 200 < 2^8), the
	// leaves on level 0 and the root alone on the last.
	levels := g.Levels()
	if len(levels) != 8 || len(levels[7]) != 1 || levels[7][0] != "svc-000" {
		t.Errorf("Levels(tree of 200) got %d levels ending in %q, want 8 ending in [svc-000]", len(levels), levels[len(levels)-1])
	}
	if got := g.Order(); len(got) != 200 || got[199] != "svc-000" {
		t.Errorf("Order(tree of 200) got %d services ending in %q, want 200 ending in svc-000", len(got), got[len(got)-1])
	}
}
