package reconcile

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/internal/subnet"
)

// pooled uses every kind of network: two that take a subnet from berth's
// pool (the default one and a plain bridge), one with its own subnet, an
// overlay and an external one, which are left alone.
const pooled = `
services:
  web:
    image: example/api:1.4
    networks: [default, front, fixed, swarm, outside]
networks:
  front:
    driver: bridge
    labels: {tier: front}
  fixed:
    ipam:
      config: [{subnet: 192.0.2.0/24}]
  swarm:
    driver: overlay
  outside:
    external: true
`

func testPool(t *testing.T) *subnet.Pool {
	t.Helper()
	p, ok, err := subnet.Parse(subnet.DefaultPool, "")
	if err != nil || !ok {
		t.Fatalf("Parse(%s): ok %v, error %v", subnet.DefaultPool, ok, err)
	}
	return &p
}

func subnetStrings(t *testing.T, eng engine.SubnetLister) []string {
	t.Helper()
	got, err := eng.Subnets(context.Background())
	if err != nil {
		t.Fatalf("Subnets: %v", err)
	}
	var out []string
	for _, s := range got {
		out = append(out, s.String())
	}
	slices.Sort(out)
	return out
}

func TestPlanUpSubnetPool(t *testing.T) {
	ctx := context.Background()
	f := newFake()
	if _, err := f.CreateNetwork(ctx, engine.NetworkSpec{Name: "outside"}); err != nil {
		t.Fatal(err)
	}
	// A network of another project already holds the pool's first subnet.
	if _, err := f.CreateNetwork(ctx, engine.NetworkSpec{Name: "other_default", Subnet: netip.MustParsePrefix("10.199.0.0/24")}); err != nil {
		t.Fatal(err)
	}
	specs := map[string]engine.NetworkSpec{}
	f.Hooks.CreateNetwork = func(_ context.Context, spec engine.NetworkSpec) error {
		specs[spec.Name] = spec // Apply creates networks before anything else, one per action
		return nil
	}
	var locks atomic.Int32
	opts := UpOptions{SubnetPool: testPool(t)}
	plan := planUp(t, load(t, pooled), observe(t, f), opts)
	golden(t, "plan/subnet-pool", plan.String())

	err := Apply(ctx, plan, f, ApplyOptions{Parallel: 1, SubnetLock: func(context.Context) (func() error, error) {
		locks.Add(1)
		return func() error { return nil }, nil
	}})
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if got, want := strings.Join(subnetStrings(t, f), " "), "10.199.0.0/24 10.199.1.0/24 10.199.2.0/24 192.0.2.0/24"; got != want {
		t.Errorf("subnets after Apply got %s, want %s", got, want)
	}
	if n := locks.Load(); n != 2 {
		t.Errorf("SubnetLock taken %d times, want once per pooled network (2)", n)
	}
	for _, name := range []string{"shop_default", "shop_front"} {
		spec := specs[name]
		if !spec.Subnet.IsValid() || len(spec.Config.Ipam.Config) != 0 {
			t.Errorf("CreateNetwork(%s) got Subnet %v and ipam config %v, want a pool subnet kept out of Config", name, spec.Subnet, spec.Config.Ipam.Config)
		}
		for k, v := range spec.Labels {
			if strings.Contains(v, "10.199.") {
				t.Errorf("CreateNetwork(%s) label %s=%s carries the picked subnet; labels must not depend on it", name, k, v)
			}
		}
	}
	for _, name := range []string{"shop_fixed", "shop_swarm"} {
		if specs[name].Subnet.IsValid() {
			t.Errorf("CreateNetwork(%s) got pool subnet %s, want the network left alone", name, specs[name].Subnet)
		}
	}
	// The picked subnet is not part of the desired configuration: nothing
	// to do, no drift warning.
	again := planUp(t, load(t, pooled), observe(t, f), opts)
	if !again.Empty() || len(again.Warnings) != 0 {
		t.Errorf("PlanUp after Apply got\n%s\nwant nothing to do", again)
	}
}

func TestPlanUpSubnetPoolOff(t *testing.T) {
	ctx := context.Background()
	f := newFake()
	if _, err := f.CreateNetwork(ctx, engine.NetworkSpec{Name: "outside"}); err != nil {
		t.Fatal(err)
	}
	plan := planUp(t, load(t, pooled), observe(t, f), UpOptions{})
	if s := plan.String(); strings.Contains(s, codeSubnetPool) {
		t.Errorf("PlanUp without a pool mentions it:\n%s", s)
	}
	if err := Apply(ctx, plan, f, ApplyOptions{}); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if got := strings.Join(subnetStrings(t, f), " "); got != "192.0.2.0/24" {
		t.Errorf("subnets without a pool got %s, want only the configured 192.0.2.0/24", got)
	}
}

// TestApplySubnetPoolRetriesOnOverlap: another berth takes the subnet this
// one picked between its list and its create; Apply still succeeds, in the
// next free subnet.
func TestApplySubnetPoolRetriesOnOverlap(t *testing.T) {
	ctx := context.Background()
	f := newFake()
	var raced atomic.Bool
	f.Hooks.CreateNetwork = func(ctx context.Context, spec engine.NetworkSpec) error {
		if spec.Name != "shop_default" || raced.Swap(true) {
			return nil
		}
		_, err := f.CreateNetwork(ctx, engine.NetworkSpec{Name: "rival_default", Subnet: spec.Subnet})
		return err
	}
	plan := planUp(t, load(t, shop), observe(t, f), UpOptions{SubnetPool: testPool(t)})
	if err := Apply(ctx, plan, f, ApplyOptions{}); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if got := strings.Join(subnetStrings(t, f), " "); got != "10.199.0.0/24 10.199.1.0/24" {
		t.Errorf("subnets got %s, want the rival's 10.199.0.0/24 and shop's 10.199.1.0/24", got)
	}
}

func TestFromPool(t *testing.T) {
	no := false
	yes := true
	for _, tc := range []struct {
		name string
		cfg  types.NetworkConfig
		want bool
	}{
		{"default", types.NetworkConfig{}, true},
		{"bridge", types.NetworkConfig{Driver: "bridge", Internal: true}, true},
		{"ipv6 too", types.NetworkConfig{EnableIPv6: &yes}, true},
		{"default ipam driver", types.NetworkConfig{Ipam: types.IPAMConfig{Driver: "default"}}, true},
		{"own subnet", types.NetworkConfig{Ipam: types.IPAMConfig{Config: []*types.IPAMPool{{Subnet: "192.0.2.0/24"}}}}, false},
		{"ipam driver", types.NetworkConfig{Ipam: types.IPAMConfig{Driver: "dhcp"}}, false},
		{"ipam options", types.NetworkConfig{Ipam: types.IPAMConfig{Options: types.Options{"x": "y"}}}, false},
		{"overlay", types.NetworkConfig{Driver: "overlay"}, false},
		{"macvlan", types.NetworkConfig{Driver: "macvlan"}, false},
		{"ipv4 off", types.NetworkConfig{EnableIPv4: &no}, false},
	} {
		if got := fromPool(tc.cfg); got != tc.want {
			t.Errorf("fromPool(%s) got %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestApplyOwnSubnetOverlapSaysWhatToDo(t *testing.T) {
	ctx := context.Background()
	f := newFake()
	if _, err := f.CreateNetwork(ctx, engine.NetworkSpec{Name: "outside", Subnet: netip.MustParsePrefix("192.0.2.0/24")}); err != nil {
		t.Fatal(err)
	}
	plan := planUp(t, load(t, pooled), observe(t, f), UpOptions{SubnetPool: testPool(t)})
	err := Apply(ctx, plan, f, ApplyOptions{})
	if !errors.Is(err, engine.ErrSubnetOverlap) || !strings.Contains(err.Error(), "shop_fixed") || !strings.Contains(err.Error(), "choose a free one") {
		t.Errorf("Apply with a taken ipam subnet got %v, want an overlap naming shop_fixed and what to do", err)
	}
}
