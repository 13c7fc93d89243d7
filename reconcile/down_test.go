package reconcile

import (
	"context"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/fake"
)

// foreign are resources that look like ours by name but carry no project
// label, or another project's: down must never touch them.
func foreign() *fake.Builder {
	return fake.New().WithImage(baseImages()...).
		WithContainer(engine.Container{Name: "shop-stray-1", Image: "busybox", State: "running",
			Labels: map[string]string{engine.LabelService: "stray"}}).
		WithContainer(engine.Container{Name: "other-web-1", Image: "busybox", State: "running",
			Labels: map[string]string{engine.LabelProject: "other", engine.LabelService: "web"}}).
		WithNetwork(engine.Network{Name: "shop_unlabelled"}).
		WithVolume(engine.Volume{Name: "shop_unlabelled"}).
		WithVolume(engine.Volume{Name: "other_data", Labels: map[string]string{engine.LabelProject: "other"}})
}

func TestPlanDownGolden(t *testing.T) {
	ctx := context.Background()
	chain := shop + "  cache:\n    image: redis:7\n    depends_on: [web]\n"
	tests := []struct {
		name    string
		before  string
		mutate  func(*fake.Engine)
		project *types.Project // nil: load(before)
		opts    DownOptions
	}{
		{name: "down", before: shop},
		{name: "down-volumes", before: shop, opts: DownOptions{Volumes: true}},
		{name: "down-by-name", before: chain, project: &types.Project{Name: "shop"}},
		{name: "down-orphans-kept", before: chain, project: load(t, shop)},
		{name: "down-orphans-removed", before: chain, project: load(t, shop), opts: DownOptions{RemoveOrphans: true}},
		{name: "down-stopped", before: shop, mutate: func(f *fake.Engine) { _ = f.StopContainer(ctx, "shop-web-1", nil) }},
		{name: "down-rmi-local", before: shop + "  worker:\n    build: ./worker\n", opts: DownOptions{Rmi: "local"}},
		{name: "down-rmi-all", before: shop + "  worker:\n    build: ./worker\n", opts: DownOptions{Rmi: "all"}},
		{name: "down-nothing", project: &types.Project{Name: "shop"}},
		{name: "down-oneoff-kept", before: shop, mutate: oneOff(t)},
		{name: "down-oneoff-removed", before: shop, mutate: oneOff(t), opts: DownOptions{RemoveOrphans: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := foreign().Build()
			if tt.before != "" {
				up(t, f, tt.before, UpOptions{})
			}
			if tt.mutate != nil {
				tt.mutate(f)
			}
			p := tt.project
			if p == nil {
				p = load(t, tt.before)
			}
			// An unfiltered snapshot: the foreign resources are in it too.
			s := observe(t, f)
			all, _ := f.Containers(ctx, "")
			s.Containers = append(all, engine.Container{Name: "shop-stray-1", ID: "stray", State: "running",
				Labels: map[string]string{engine.LabelService: "stray"}})
			nets, _ := f.Networks(ctx, "")
			s.Networks = append(nets, engine.Network{Name: "shop_unlabelled"})
			s.Volumes = append(s.Volumes, engine.Volume{Name: "shop_unlabelled"}, engine.Volume{Name: "other_data",
				Labels: map[string]string{engine.LabelProject: "other"}})
			plan, err := PlanDown(p, s, tt.opts)
			if err != nil {
				t.Fatalf("PlanDown: %v", err)
			}
			golden(t, "down/"+tt.name, plan.String())
			for _, a := range plan.Actions {
				if strings.Contains(a.Target.Name, "unlabelled") || strings.HasPrefix(a.Target.Name, "other") || a.Target.Name == "shop-stray-1" {
					t.Errorf("PlanDown(%s) got %s %s, want foreign resources untouched", tt.name, a.Kind, a.Target.Name)
				}
			}
			if err := Apply(ctx, plan, f, ApplyOptions{StateDir: t.TempDir()}); err != nil {
				t.Fatalf("Apply(down plan): %v", err)
			}
			left := observe(t, f)
			if strings.HasSuffix(tt.name, "-kept") {
				return
			}
			if len(left.Containers) != 0 || len(left.Networks) != 0 {
				t.Errorf("after Apply(PlanDown) got %d containers, %d networks of project shop, want none", len(left.Containers), len(left.Networks))
			}
			if tt.opts.Volumes && len(left.Volumes) != 0 {
				t.Errorf("after Apply(PlanDown --volumes) got volumes %v, want none", left.Volumes)
			}
		})
	}
}

func TestPlanDownRejectsBadRmi(t *testing.T) {
	_, err := PlanDown(&types.Project{Name: "shop"}, State{}, DownOptions{Rmi: "some"})
	if err == nil || !strings.Contains(err.Error(), `--rmi "some"`) {
		t.Errorf(`PlanDown(rmi "some") got error %v, want one naming --rmi "some"`, err)
	}
}

// oneOff adds a running one-off container of web, as `run web` leaves.
func oneOff(t *testing.T) func(*fake.Engine) {
	return func(f *fake.Engine) {
		ctx := context.Background()
		web := load(t, shop).Services["web"]
		id, err := f.CreateContainer(ctx, engine.ContainerSpec{Name: "shop-web-run-0a1b2c", Service: web,
			Labels: map[string]string{engine.LabelProject: "shop", engine.LabelService: "web",
				engine.LabelNumber: "1", engine.LabelOneoff: "True"},
			Networks: []engine.NetworkAttachment{{Network: "shop_default"}}})
		if err == nil {
			err = f.StartContainer(ctx, id)
		}
		if err != nil {
			t.Fatalf("create one-off container: %v", err)
		}
	}
}
