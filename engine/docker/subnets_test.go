package docker

import (
	"errors"
	"net/netip"
	"testing"

	cerrdefs "github.com/containerd/errdefs"

	"github.com/berth-dev/berth/engine"
)

func TestClassifySubnetOverlap(t *testing.T) {
	for _, msg := range []string{
		"Pool overlaps with other one on this address space",                                              // 20.10, 403
		"invalid pool request: Pool overlaps with other one on this address space",                        // later daemons
		"cannot create network x (br-x): conflicts with network y (br-y): networks have overlapping IPv4", // bridge driver
	} {
		got := classify("create network shop_default", "unix:///s", "", cerrdefs.ErrPermissionDenied.WithMessage(msg))
		if !errors.Is(got, engine.ErrSubnetOverlap) || errors.Is(got, engine.ErrConflict) {
			t.Errorf("classify(%q) got %v, want ErrSubnetOverlap and not ErrConflict", msg, got)
		}
	}
}

// TestNetworkCreateOptionsPoolSubnet: the subnet berth picked becomes the
// network's only IPAM pool, with the default driver.
func TestNetworkCreateOptionsPoolSubnet(t *testing.T) {
	got, err := networkCreateOptions(engine.NetworkSpec{Name: "shop_default", Subnet: netip.MustParsePrefix("10.199.3.0/24")})
	if err != nil {
		t.Fatal(err)
	}
	if got.IPAM == nil || got.IPAM.Driver != "" || len(got.IPAM.Config) != 1 || got.IPAM.Config[0].Subnet.String() != "10.199.3.0/24" {
		t.Errorf("networkCreateOptions(Subnet 10.199.3.0/24).IPAM got %+v, want one pool with that subnet", got.IPAM)
	}
	got, err = networkCreateOptions(engine.NetworkSpec{Name: "shop_default"})
	if err != nil || got.IPAM != nil {
		t.Errorf("networkCreateOptions(no subnet).IPAM got %+v (error %v), want none: the daemon picks", got.IPAM, err)
	}
}
