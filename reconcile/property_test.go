package reconcile

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// genProject writes a random but valid compose file: services that depend
// on earlier ones (so there is no cycle), share namespaces, scale, mount
// named volumes and join extra networks. The same seed gives the same file.
func genProject(r *rand.Rand, services int) string {
	images := []string{"example/api:1.4", "example/api:1.5", "postgres:16", "redis:7", "busybox"}
	var b strings.Builder
	b.WriteString("volumes:\n  data: {}\n  cache: {}\nnetworks:\n  back: {}\nservices:\n")
	for i := range services {
		fmt.Fprintf(&b, "  s%d:\n    image: %s\n", i, images[r.IntN(len(images))])
		fmt.Fprintf(&b, "    environment:\n      N: \"%d\"\n", r.IntN(3))
		shared := i > 0 && r.IntN(5) == 0
		if shared {
			fmt.Fprintf(&b, "    network_mode: service:s%d\n", r.IntN(i))
		} else {
			fmt.Fprintf(&b, "    scale: %d\n", 1+r.IntN(3))
			if r.IntN(3) == 0 {
				b.WriteString("    networks: [default, back]\n")
			}
		}
		if r.IntN(3) == 0 {
			fmt.Fprintf(&b, "    volumes: [%s:/v]\n", []string{"data", "cache"}[r.IntN(2)])
		}
		if i > 0 && r.IntN(2) == 0 {
			dep := r.IntN(i)
			fmt.Fprintf(&b, "    depends_on:\n      s%d:\n        condition: service_started\n        restart: %t\n", dep, r.IntN(2) == 0)
		}
	}
	return b.String()
}

// TestPropertyUpConverges checks, over generated projects and edits of
// them, that applying PlanUp leaves nothing to do for the next PlanUp.
func TestPropertyUpConverges(t *testing.T) {
	for seed := range uint64(25) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			r := rand.New(rand.NewPCG(seed, 42))
			n := 2 + r.IntN(7)
			first := genProject(r, n)
			f := newFake()
			for step, yaml := range []string{first, genProject(r, n), genProject(r, 2+r.IntN(7))} {
				p := load(t, yaml)
				plan := planUp(t, p, observe(t, f), UpOptions{RemoveOrphans: true})
				if err := Apply(context.Background(), plan, f, ApplyOptions{Parallel: 3}); err != nil {
					t.Fatalf("step %d: Apply: %v\nplan:\n%s\ncompose:\n%s", step, err, plan, yaml)
				}
				again := planUp(t, p, observe(t, f), UpOptions{RemoveOrphans: true})
				if !again.Empty() {
					t.Fatalf("step %d: PlanUp after Apply got\n%s\nwant nothing to do; first plan:\n%s\ncompose:\n%s", step, again, plan, yaml)
				}
			}
		})
	}
}

func BenchmarkPlanUp(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	var yaml strings.Builder
	yaml.WriteString("services:\n")
	for i := range 200 {
		fmt.Fprintf(&yaml, "  s%d:\n    image: busybox\n    environment: {N: \"%d\"}\n", i, i)
		if i > 0 {
			fmt.Fprintf(&yaml, "    depends_on: [s%d]\n", r.IntN(i))
		}
	}
	p := load(b, yaml.String())
	g := graph(b, p)
	f := newFake()
	plan := planUp(b, p, observe(b, f), UpOptions{})
	if err := Apply(context.Background(), plan, f, ApplyOptions{}); err != nil {
		b.Fatal(err)
	}
	s := observe(b, f)
	for b.Loop() {
		plan, err := PlanUp(p, g, s, UpOptions{})
		if err != nil || !plan.Empty() {
			b.Fatalf("PlanUp(no-op) got %v, %d actions", err, len(plan.Actions))
		}
	}
}
