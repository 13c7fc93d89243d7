package enginetest

import (
	"slices"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/internal/subnet"
)

// testSubnetOverlap checks what berth's subnet pool relies on: Subnets
// lists a network's subnet while it exists, and the engine refuses a second
// network in the same subnet with ErrSubnetOverlap, whether the subnet is
// given as NetworkSpec.Subnet or in the compose ipam config.
func testSubnetOverlap(t *testing.T, e *env) {
	// A range no default pool of the daemon's and no other berth test uses.
	pool, _, err := subnet.Parse("10.254.0.0/16", "24")
	if err != nil {
		t.Fatal(err)
	}
	used, err := e.eng.Subnets(e.ctx)
	if err != nil {
		t.Fatalf("Subnets: %v", err)
	}
	s, ok := pool.Pick(used)
	if !ok {
		t.Skipf("no free /24 in %s on this engine", pool)
	}
	labels := func(key string) map[string]string {
		return map[string]string{engine.LabelProject: e.project, engine.LabelNetwork: key}
	}
	id, err := e.eng.CreateNetwork(e.ctx, engine.NetworkSpec{Name: e.project + "_a", Labels: labels("a"), Subnet: s})
	if err != nil {
		t.Fatalf("CreateNetwork(%s in %s): %v", e.project+"_a", s, err)
	}
	if used, err = e.eng.Subnets(e.ctx); err != nil || !slices.Contains(used, s) {
		t.Errorf("Subnets after creating a network in %s got %v (error %v), want it listed", s, used, err)
	}
	_, err = e.eng.CreateNetwork(e.ctx, engine.NetworkSpec{Name: e.project + "_b", Labels: labels("b"), Subnet: s})
	wantErr(t, "CreateNetwork(same subnet as Subnet)", err, engine.ErrSubnetOverlap)
	_, err = e.eng.CreateNetwork(e.ctx, engine.NetworkSpec{Name: e.project + "_c", Labels: labels("c"),
		Config: types.NetworkConfig{Ipam: types.IPAMConfig{Config: []*types.IPAMPool{{Subnet: s.String()}}}}})
	wantErr(t, "CreateNetwork(same subnet in ipam config)", err, engine.ErrSubnetOverlap)

	if err := e.eng.RemoveNetwork(e.ctx, id); err != nil {
		t.Fatalf("RemoveNetwork(%s): %v", id, err)
	}
	if used, err = e.eng.Subnets(e.ctx); err != nil || slices.Contains(used, s) {
		t.Errorf("Subnets after removing the network in %s got %v (error %v), want it gone", s, used, err)
	}
}
