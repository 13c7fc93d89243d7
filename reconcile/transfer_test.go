package reconcile

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/berth-dev/berth/engine"
)

const pullProject = `
services:
  web:
    image: reg.example/web:1
    depends_on: [db]
  twin:
    image: reg.example/web:1
  db:
    image: postgres:16
  built:
    image: reg.example/built:1
    build: ./worker
  local:
    build: ./worker
  pinned:
    image: reg.example/pinned:1
    pull_policy: never
  present:
    image: redis:7
    pull_policy: missing
`

func skipsText(skips []Skip) string {
	var out []string
	for _, s := range skips {
		out = append(out, s.Service+": "+s.Why)
	}
	return strings.Join(out, "\n")
}

func pullsOf(plan Plan) []string {
	var out []string
	for _, a := range plan.Actions {
		out = append(out, string(a.Kind)+" "+a.Target.Name)
	}
	return out
}

// TestPlanPull follows compose's pull: images pulled once, skips said.
func TestPlanPull(t *testing.T) {
	tests := []struct {
		name      string
		opts      PullOptions
		wantPulls []string
		wantSkips string
	}{
		{name: "all", wantPulls: []string{"pull postgres:16", "pull reg.example/built:1", "pull reg.example/web:1"},
			wantSkips: "local: Skipped - No image to be pulled\npinned: Skipped\npresent: Skipped - Image is already present locally\nweb: Skipped - Image is already being pulled by twin"},
		{name: "one service", opts: PullOptions{Services: []string{"web"}}, wantPulls: []string{"pull reg.example/web:1"}},
		{name: "include deps", opts: PullOptions{Services: []string{"web"}, IncludeDeps: true},
			wantPulls: []string{"pull postgres:16", "pull reg.example/web:1"}},
		{name: "policy missing", opts: PullOptions{Services: []string{"db", "web"}, Policy: "missing"},
			wantPulls: []string{"pull reg.example/web:1"}, wantSkips: "db: Skipped - Image is already present locally"},
		{name: "policy always overrides never", opts: PullOptions{Services: []string{"pinned"}, Policy: "always"},
			wantPulls: []string{"pull reg.example/pinned:1"}},
		{name: "ignore buildable", opts: PullOptions{Services: []string{"built"}, IgnoreBuildable: true},
			wantSkips: "built: Skipped - Image can be built"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := load(t, pullProject)
			plan, skips, err := PlanPull(p, graph(t, p), observe(t, newFake()), tt.opts)
			if err != nil {
				t.Fatalf("PlanPull: %v", err)
			}
			if got := pullsOf(plan); !slices.Equal(got, tt.wantPulls) {
				t.Errorf("PlanPull(%s) got %q, want %q", tt.name, got, tt.wantPulls)
			}
			if got := skipsText(skips); got != tt.wantSkips {
				t.Errorf("PlanPull(%s) got skips\n%s\nwant\n%s", tt.name, got, tt.wantSkips)
			}
		})
	}
}

// TestApplyPullFailures: a failure fails the pull unless the image can be
// built or failures are ignored; then it is a warning.
func TestApplyPullFailures(t *testing.T) {
	for _, tt := range []struct {
		services []string
		ignore   bool
		wantErr  bool
	}{
		{services: []string{"web"}, wantErr: true},
		{services: []string{"web"}, ignore: true},
		{services: []string{"built"}},
	} {
		t.Run(fmt.Sprintf("%v ignore=%v", tt.services, tt.ignore), func(t *testing.T) {
			f := newFake()
			p := load(t, pullProject)
			plan, _, err := PlanPull(p, graph(t, p), observe(t, f), PullOptions{Services: tt.services, IgnoreFailures: tt.ignore})
			if err != nil {
				t.Fatal(err)
			}
			warned := false
			err = Apply(context.Background(), plan, f, ApplyOptions{Progress: func(e Event) {
				warned = warned || e.Status == StatusWarning
			}})
			if (err != nil) != tt.wantErr || warned == tt.wantErr {
				t.Errorf("Apply got error %v and warned %v, want error %v", err, warned, tt.wantErr)
			}
		})
	}
}

// TestPlanPushAndApply: only services that build a named image are
// pushed, build.tags too; the fake registry then serves them.
func TestPlanPushAndApply(t *testing.T) {
	yaml := pullProject + "  tagged:\n    image: reg.example/tagged:1\n    build: {context: ./worker, tags: [\"reg.example/tagged:latest\"]}\n"
	p := load(t, yaml)
	plan, skips, err := PlanPush(p, graph(t, p), PushOptions{Services: []string{"built", "tagged", "web"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"push reg.example/built:1", "push reg.example/tagged:1", "push reg.example/tagged:latest"}
	if got := pullsOf(plan); !slices.Equal(got, want) {
		t.Errorf("PlanPush got %q, want %q", got, want)
	}
	if got := skipsText(skips); !strings.HasPrefix(got, "web: Skipped") {
		t.Errorf("PlanPush got skips %q, want web skipped", got)
	}
	f := newFake()
	for _, ref := range []string{"reg.example/built:1", "reg.example/tagged:1", "reg.example/tagged:latest"} {
		if err := f.BuildImage(context.Background(), engine.BuildSpec{Tag: ref}, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := Apply(context.Background(), plan, f, ApplyOptions{}); err != nil {
		t.Fatalf("Apply(push): %v", err)
	}
	if _, ok := f.RegistryImage("reg.example/tagged:latest"); !ok {
		t.Errorf("after push the registry lacks reg.example/tagged:latest")
	}
}
