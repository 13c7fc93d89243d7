package reconcile

import (
	"context"
	"strings"
	"testing"

	"github.com/berth-dev/berth/engine"
)

// TestSignalPlans covers what kill, pause and unpause select: the
// project's running containers, one-offs only for kill, orphans only for
// kill --remove-orphans, never another project's.
func TestSignalPlans(t *testing.T) {
	ctx := context.Background()
	labels := func(project, service, oneoff string) map[string]string {
		return map[string]string{engine.LabelProject: project, engine.LabelService: service,
			engine.LabelNumber: "1", engine.LabelOneoff: oneoff}
	}
	extra := []engine.Container{
		{Name: "shop-web-run-0a1b", Image: "example/api:1.4", State: "running", Labels: labels("shop", "web", "True")},
		{Name: "shop-old-1", Image: "example/api:1.4", State: "running", Labels: labels("shop", "old", "False")},
	}
	// Listers filter by project; a State that holds another project's
	// container anyway must not make berth touch it.
	foreign := engine.Container{ID: "f0", Name: "other-web-1", State: "running", Labels: labels("other", "web", "False")}
	tests := []struct {
		name   string
		paused []string // containers paused before planning
		plan   func(State) (Plan, error)
		want   map[string]string // states after Apply; unnamed containers keep theirs
	}{
		{name: "kill-all", plan: func(s State) (Plan, error) { return PlanKill(load(t, shop), s, nil, KillOptions{}) },
			want: map[string]string{"shop-web-1": "exited", "shop-db-1": "exited", "shop-web-run-0a1b": "exited", "shop-old-1": "running"}},
		{name: "kill-orphans", plan: func(s State) (Plan, error) {
			return PlanKill(load(t, shop), s, nil, KillOptions{Signal: "term", RemoveOrphans: true})
		}, want: map[string]string{"shop-old-1": "exited"}},
		{name: "kill-web", paused: []string{"shop-web-1"}, plan: func(s State) (Plan, error) {
			return PlanKill(load(t, shop), s, []string{"web"}, KillOptions{Signal: "9"})
		}, want: map[string]string{"shop-web-1": "exited", "shop-web-run-0a1b": "exited", "shop-db-1": "running"}},
		{name: "pause-all", paused: []string{"shop-db-1"}, plan: func(s State) (Plan, error) { return PlanPause(load(t, shop), s, nil), nil },
			want: map[string]string{"shop-web-1": "paused", "shop-db-1": "paused", "shop-web-run-0a1b": "running", "shop-old-1": "running"}},
		{name: "unpause-all", paused: []string{"shop-db-1"}, plan: func(s State) (Plan, error) { return PlanUnpause(load(t, shop), s, nil), nil },
			want: map[string]string{"shop-web-1": "running", "shop-db-1": "running"}},
		{name: "unpause-none", plan: func(s State) (Plan, error) { return PlanUnpause(load(t, shop), s, []string{"web"}), nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(extra...)
			up(t, f, shop, UpOptions{})
			for _, name := range tt.paused {
				if err := f.PauseContainer(ctx, name); err != nil {
					t.Fatal(err)
				}
			}
			s := observe(t, f)
			s.Containers = append(s.Containers, foreign)
			plan, err := tt.plan(s)
			if err != nil {
				t.Fatalf("plan: %v", err)
			}
			golden(t, "signal/"+tt.name, plan.String())
			if err := Apply(ctx, plan, f, ApplyOptions{}); err != nil {
				t.Fatalf("Apply: %v", err)
			}
			for _, c := range observe(t, f).Containers {
				if want, ok := tt.want[c.Name]; ok && c.State != want {
					t.Errorf("after Apply %s is %s, want %s", c.Name, c.State, want)
				}
			}
		})
	}
}

func TestPlanKillRejectsBadSignal(t *testing.T) {
	f := newFake()
	up(t, f, shop, UpOptions{})
	_, err := PlanKill(load(t, shop), observe(t, f), nil, KillOptions{Signal: "SIGNOPE"})
	if err == nil || !strings.Contains(err.Error(), `invalid signal "SIGNOPE"`) {
		t.Errorf("PlanKill(SIGNOPE) got error %v, want invalid signal", err)
	}
}

func TestPlanKillNothingRunning(t *testing.T) {
	f := newFake()
	up(t, f, shop, UpOptions{NoStart: true})
	plan, err := PlanKill(load(t, shop), observe(t, f), nil, KillOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !plan.Empty() || len(plan.Warnings) != 1 || plan.Warnings[0] != "No container to kill" {
		t.Errorf("PlanKill of stopped containers got\n%s\nwant no action and compose's warning", plan)
	}
}
