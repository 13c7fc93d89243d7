package reconcile

import (
	"context"
	"testing"
	"time"

	"github.com/berth-dev/berth/engine/fake"
)

func TestLifecycleGolden(t *testing.T) {
	ctx := context.Background()
	chain := shop + "  cache:\n    image: redis:7\n    depends_on: [web]\n"
	timeout := 3 * time.Second
	stopWeb := func(f *fake.Engine) { _ = f.StopContainer(ctx, "shop-web-1", nil) }
	tests := []struct {
		name   string
		mutate func(*fake.Engine)
		plan   func(State) Plan
		// want is the state every selected container ends in ("" skips the check).
		want string
	}{
		{name: "stop-all", plan: func(s State) Plan { return PlanStop(load(t, chain), s, nil, &timeout) }, want: "exited"},
		{name: "stop-web", plan: func(s State) Plan { return PlanStop(load(t, chain), s, []string{"web"}, nil) }},
		{name: "start-all", mutate: func(f *fake.Engine) {
			for _, c := range []string{"shop-cache-1", "shop-web-1", "shop-db-1"} {
				_ = f.StopContainer(ctx, c, nil)
			}
		}, plan: func(s State) Plan { return PlanStart(load(t, chain), s, nil) }, want: "running"},
		{name: "start-unknown", plan: func(s State) Plan { return PlanStart(load(t, chain), s, []string{"nope"}) }},
		{name: "restart-all", plan: func(s State) Plan { return PlanRestart(load(t, chain), s, nil, nil) }, want: "running"},
		{name: "rm-running-kept", mutate: stopWeb, plan: func(s State) Plan { return PlanRemove(load(t, chain), s, nil, false, false) }},
		{name: "rm-stop", plan: func(s State) Plan { return PlanRemove(load(t, chain), s, nil, true, true) }, want: "gone"},
		{name: "rm-nothing", plan: func(s State) Plan { return PlanRemove(load(t, chain), s, []string{"db"}, false, false) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake()
			up(t, f, chain, UpOptions{})
			if tt.mutate != nil {
				tt.mutate(f)
			}
			plan := tt.plan(observe(t, f))
			golden(t, "lifecycle/"+tt.name, plan.String())
			if err := Apply(ctx, plan, f, ApplyOptions{}); err != nil {
				t.Fatalf("Apply(%s): %v", tt.name, err)
			}
			after := observe(t, f)
			switch tt.want {
			case "":
			case "gone":
				if len(after.Containers) != 0 {
					t.Errorf("after Apply(%s) got %d containers, want none", tt.name, len(after.Containers))
				}
			default:
				for _, c := range after.Containers {
					if c.State != tt.want {
						t.Errorf("after Apply(%s) container %s got state %s, want %s", tt.name, c.Name, c.State, tt.want)
					}
				}
			}
		})
	}
}
