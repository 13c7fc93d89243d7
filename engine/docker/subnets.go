package docker

import (
	"context"
	"net/netip"
	"strings"

	"github.com/moby/moby/client"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/internal/subnet"
)

var _ engine.SubnetLister = (*Engine)(nil)

// Subnets lists the IPAM subnets of every network on the daemon in one
// call (the list reports each network's IPAM configuration) and, for a
// daemon on this host, the subnets of the host's interfaces: dockerd checks
// an explicit subnet only against its own networks, so without them a
// berth network could shadow a native engine's bridge or a VPN route.
func (e *Engine) Subnets(ctx context.Context) ([]netip.Prefix, error) {
	var res client.NetworkListResult
	err := e.call(ctx, "list network subnets", idempotent, func(ctx context.Context) error {
		var err error
		res, err = e.cli.NetworkList(ctx, client.NetworkListOptions{})
		return err
	})
	if err != nil {
		return nil, err
	}
	var out []netip.Prefix
	for _, n := range res.Items {
		for _, c := range n.IPAM.Config {
			if c.Subnet.IsValid() {
				out = append(out, c.Subnet)
			}
		}
	}
	if strings.HasPrefix(e.host, "unix://") {
		out = append(out, subnet.HostSubnets()...)
	}
	return out, nil
}

// subnetOverlap recognises the daemon refusing a subnet another network
// uses: the IPAM driver's "Pool overlaps with other one on this address
// space" (403 on 20.10, wrapped in "invalid pool request" later), or the
// bridge driver's "networks have overlapping IPv4".
func subnetOverlap(msg string) bool {
	return strings.Contains(msg, "Pool overlaps with other one") || strings.Contains(msg, "networks have overlapping")
}
