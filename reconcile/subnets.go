package reconcile

import (
	"context"
	"errors"
	"fmt"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/internal/subnet"
)

// codeSubnetPool marks a network whose subnet comes from berth's pool.
const codeSubnetPool = "subnet-pool"

// fromPool reports whether a network the project creates takes its subnet
// from berth's pool: a bridge network that leaves its addresses to the
// engine. A network with any ipam section, another driver (overlay,
// macvlan, a plugin's) or IPv4 turned off is the user's to address.
func fromPool(cfg types.NetworkConfig) bool {
	switch cfg.Driver {
	case "", "bridge":
	default:
		return false
	}
	if cfg.EnableIPv4 != nil && !*cfg.EnableIPv4 {
		return false
	}
	ipam := cfg.Ipam
	return (ipam.Driver == "" || ipam.Driver == "default") && len(ipam.Config) == 0 && len(ipam.Options) == 0
}

// poolReason says which subnet a network will get. Which one is free is
// only known when the plan is applied.
func poolReason(pool subnet.Pool) Reason {
	return Reason{Code: codeSubnetPool, Detail: fmt.Sprintf(
		"its subnet is the first free /%d of berth's pool %s, picked when applied", pool.Bits, pool)}
}

// createNetwork creates the action's network, in a subnet of berth's pool
// when the plan says so.
func (r *runner) createNetwork(ctx context.Context, o *op) (string, error) {
	if o.subnetPool == nil {
		id, err := r.eng.CreateNetwork(ctx, *o.network)
		if errors.Is(err, engine.ErrSubnetOverlap) {
			// Only a subnet from the compose file can overlap here: the
			// engine's own picks never do.
			err = fmt.Errorf("%w: the subnet its ipam config names is taken: choose a free one (docker network inspect shows each network's subnets)", err)
		}
		return id, err
	}
	id, _, err := subnet.Create(ctx, r.eng, *o.subnetPool, *o.network, subnet.Options{Lock: r.opts.SubnetLock})
	return id, err
}
