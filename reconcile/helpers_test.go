package reconcile

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/google/go-cmp/cmp"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/fake"
	"github.com/berth-dev/berth/planner"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// load parses an inline compose file as project "shop" with compose-go
// itself (berth's loader is tested on its own). The project directory is
// testdata/shop, where the build context ./worker exists, as PlanUp checks.
func load(t testing.TB, yaml string) *types.Project {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("testdata", "shop"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := loader.LoadWithContext(context.Background(), types.ConfigDetails{
		WorkingDir:  dir,
		ConfigFiles: []types.ConfigFile{{Filename: filepath.Join(dir, "compose.yaml"), Content: []byte(yaml)}},
		Environment: types.Mapping{},
	}, func(o *loader.Options) { o.SetProjectName("shop", true) })
	if err != nil {
		t.Fatalf("load compose file: %v\n%s", err, yaml)
	}
	return p
}

func graph(t testing.TB, p *types.Project) *planner.Graph {
	t.Helper()
	g, err := planner.Build(p)
	if err != nil {
		t.Fatalf("planner.Build: %v", err)
	}
	return g
}

// baseImages are the images every test engine holds.
func baseImages() []engine.Image {
	return []engine.Image{
		{Tags: []string{"example/api:1.4"}},
		{Tags: []string{"example/api:1.5"}},
		{Tags: []string{"postgres:16"}},
		{Tags: []string{"redis:7"}},
		{Tags: []string{"busybox:latest"}},
	}
}

func newFake(extra ...engine.Container) *fake.Engine {
	return fake.New().WithImage(baseImages()...).WithContainer(extra...).Build()
}

func observe(t testing.TB, f *fake.Engine) State {
	t.Helper()
	s, err := Observe(context.Background(), f, "shop")
	if err != nil {
		t.Fatalf("Observe: %v", err)
	}
	return s
}

func planUp(t testing.TB, p *types.Project, s State, opts UpOptions) Plan {
	t.Helper()
	plan, err := PlanUp(p, graph(t, p), s, opts)
	if err != nil {
		t.Fatalf("PlanUp: %v", err)
	}
	return plan
}

// up plans and applies yaml on f, as `berth up` would.
func up(t testing.TB, f *fake.Engine, yaml string, opts UpOptions) Plan {
	t.Helper()
	p := load(t, yaml)
	plan := planUp(t, p, observe(t, f), opts)
	if err := Apply(context.Background(), plan, f, ApplyOptions{}); err != nil {
		t.Fatalf("Apply(PlanUp):\n%v\nplan:\n%s", err, plan)
	}
	return plan
}

// golden compares got with testdata/<name>.golden, rewriting it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (run go test -update to create it): %v", err)
	}
	if d := cmp.Diff(string(want), got); d != "" {
		t.Errorf("%s: got plan differs from golden (-want +got):\n%s", name, d)
	}
}

// containerNamed finds a container in s by name.
func containerNamed(t testing.TB, s State, name string) engine.Container {
	t.Helper()
	for _, c := range s.Containers {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no container %s in state", name)
	return engine.Container{}
}
