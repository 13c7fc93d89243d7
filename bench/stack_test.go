package main

import (
	"context"
	"slices"
	"testing"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
)

func TestLevels(t *testing.T) {
	for _, size := range []int{1, 2, 10, 50, 200} {
		s := stack{Project: "p", Size: size}
		lv := s.levels()
		seen := map[int]int{} // service index -> level
		for d, idx := range lv {
			for _, i := range idx {
				seen[i] = d
			}
		}
		if len(seen) != size {
			t.Errorf("levels(%d) covers %d services, want %d", size, len(seen), size)
		}
		for i := 1; i < size; i++ {
			if seen[parent(i)] >= seen[i] {
				t.Errorf("levels(%d): service %d at level %d, its dependency %d at level %d; want the dependency first", size, i, seen[i], parent(i), seen[parent(i)])
			}
		}
	}
}

func TestLeafHasNoDependents(t *testing.T) {
	for _, size := range []int{1, 2, 3, 10, 50, 200} {
		s := stack{Size: size}
		for i := 1; i < size; i++ {
			if parent(i) == s.leaf() {
				t.Errorf("leaf(%d) = %d, but service %d depends on it", size, s.leaf(), i)
			}
		}
	}
}

// TestComposeLoads checks the generated file the way compose-go (and so
// berth and docker compose) reads it.
func TestComposeLoads(t *testing.T) {
	s := stack{Project: "berthbench-test-12", Dir: t.TempDir(), Image: "img:1", Size: 12, Gen: 3, Subnets: subnets(150, 130)}
	b, err := s.compose()
	if err != nil {
		t.Fatal(err)
	}
	p, err := loader.LoadWithContext(context.Background(), types.ConfigDetails{
		WorkingDir:  s.Dir,
		ConfigFiles: []types.ConfigFile{{Filename: s.file(), Content: b}},
	}, func(o *loader.Options) { o.SetProjectName(s.Project, true) })
	if err != nil {
		t.Fatalf("load generated compose file: %v\n%s", err, b)
	}
	if got := len(p.Services); got != s.Size {
		t.Fatalf("loaded %d services, want %d", got, s.Size)
	}
	if _, ok := p.Volumes[volData]; !ok {
		t.Errorf("volume %q not declared", volData)
	}
	for key, want := range map[string]string{netBack: "10.151.4.0/24", netFront: "10.151.5.0/24"} {
		var got string
		if cfg := p.Networks[key].Ipam.Config; len(cfg) == 1 {
			got = cfg[0].Subnet
		}
		if got != want {
			t.Errorf("network %s subnet got %q, want %q", key, got, want)
		}
	}
	for i := range s.Size {
		name := s.name(i)
		svc, ok := p.Services[name]
		if !ok {
			t.Fatalf("service %s missing", name)
		}
		var deps []string
		for d := range svc.DependsOn {
			deps = append(deps, d)
		}
		var want []string
		if i > 0 {
			want = []string{s.name(parent(i))}
		}
		if !slices.Equal(deps, want) {
			t.Errorf("%s depends_on got %v, want %v", name, deps, want)
		}
		var nets []string
		for n := range svc.Networks {
			nets = append(nets, n)
		}
		slices.Sort(nets)
		if wantNets := slices.Sorted(slices.Values(networks(i))); !slices.Equal(nets, wantNets) {
			t.Errorf("%s networks got %v, want %v", name, nets, wantNets)
		}
		if got := len(svc.Volumes) == 1; got != mountsData(i) {
			t.Errorf("%s mounts the volume: got %v, want %v", name, got, mountsData(i))
		}
		gen, hasGen := svc.Environment["BENCH_GEN"]
		if hasGen != (i == s.leaf()) || (hasGen && *gen != "3") {
			t.Errorf("%s BENCH_GEN got %v, want it only on the leaf, set to 3", name, gen)
		}
	}
}

// TestContainerSpecMatchesCompose checks that the floor creates what the
// tools create: same names, networks and volume.
func TestContainerSpecMatchesCompose(t *testing.T) {
	s := stack{Project: "shop", Image: "img:1", Size: 7}
	tests := []struct {
		i        int
		name     string
		networks []string
		volume   string
	}{
		{0, "shop-svc000-1", []string{"shop_back", "shop_front"}, "shop_data"},
		{1, "shop-svc001-1", []string{"shop_back"}, ""},
		{5, "shop-svc005-1", []string{"shop_back"}, "shop_data"},
		{6, "shop-svc006-1", []string{"shop_back", "shop_front"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := s.containerSpec(tt.i)
			if spec.Name != tt.name {
				t.Errorf("containerSpec(%d).Name got %s, want %s", tt.i, spec.Name, tt.name)
			}
			var nets []string
			for _, a := range spec.Networks {
				nets = append(nets, a.Network)
			}
			if !slices.Equal(nets, tt.networks) {
				t.Errorf("containerSpec(%d) networks got %v, want %v", tt.i, nets, tt.networks)
			}
			var vol string
			for _, v := range spec.Service.Volumes {
				vol = v.Source
			}
			if vol != tt.volume {
				t.Errorf("containerSpec(%d) volume got %q, want %q", tt.i, vol, tt.volume)
			}
			if got := spec.Labels["com.docker.compose.project"]; got != "shop" {
				t.Errorf("containerSpec(%d) project label got %q, want shop", tt.i, got)
			}
		})
	}
}

func TestName(t *testing.T) {
	tests := []struct {
		size, i int
		want    string
	}{
		{10, 3, "svc003"},
		{1000, 7, "svc007"},
		{1001, 7, "svc0007"},
	}
	for _, tt := range tests {
		if got := (stack{Size: tt.size}).name(tt.i); got != tt.want {
			t.Errorf("name(%d) on %d services got %s, want %s", tt.i, tt.size, got, tt.want)
		}
	}
}
