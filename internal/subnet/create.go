package subnet

import (
	"context"
	"errors"
	"fmt"
	"net/netip"

	"github.com/berth-dev/berth/engine"
)

// maxAttempts bounds how many subnets Create tries when the engine keeps
// reporting overlaps: each retry lists the engine again, so a subnet taken
// by a competitor is seen and skipped; an engine that refuses subnets it
// does not list (another address space, a driver's own check) must not send
// berth through the whole pool.
const maxAttempts = 16

// Engine is what Create needs: the subnets in use and a network create.
type Engine interface {
	engine.SubnetLister
	CreateNetwork(ctx context.Context, spec engine.NetworkSpec) (string, error)
}

// Options tune Create.
type Options struct {
	// Lock, when set, is held around each pick and create, so that the
	// berths of one host take turns instead of picking the same subnet and
	// retrying; nil picks without it.
	Lock func(ctx context.Context) (release func() error, err error)
}

// Create creates spec's network in the lowest subnet of pool that no
// network on eng uses, and returns the network's ID and subnet. When the
// engine reports that the subnet was taken meanwhile, it picks again,
// skipping the subnets already refused. spec is not modified.
func Create(ctx context.Context, eng Engine, pool Pool, spec engine.NetworkSpec, opts Options) (id string, subnet netip.Prefix, err error) {
	if opts.Lock != nil {
		release, err := opts.Lock(ctx)
		if err != nil {
			return "", netip.Prefix{}, fmt.Errorf("create network %s: %w", spec.Name, err)
		}
		defer func() {
			if rerr := release(); rerr != nil && err == nil {
				err = rerr
			}
		}()
	}
	var refused []netip.Prefix
	var lastErr error
	for range maxAttempts {
		used, err := eng.Subnets(ctx)
		if err != nil {
			return "", netip.Prefix{}, fmt.Errorf("create network %s: pick a subnet: %w", spec.Name, err)
		}
		s, ok := pool.Pick(append(used, refused...))
		if !ok {
			return "", netip.Prefix{}, exhausted(spec.Name, pool, used)
		}
		spec.Subnet = s
		id, err := eng.CreateNetwork(ctx, spec)
		if !errors.Is(err, engine.ErrSubnetOverlap) {
			return id, s, err
		}
		refused, lastErr = append(refused, s), err
	}
	return "", netip.Prefix{}, fmt.Errorf("create network %s: the engine refused %d subnets of berth's pool %s as overlapping although it lists none of them in use; the last refusal: %w",
		spec.Name, maxAttempts, pool, lastErr)
}

// exhausted says how full the pool is and what to do about it.
func exhausted(network string, pool Pool, used []netip.Prefix) error {
	n := 0
	for _, u := range used {
		if u.IsValid() && u.Addr().Is4() && u.Overlaps(pool.Range) {
			n++
		}
	}
	return fmt.Errorf("create network %s: no free /%d left in berth's subnet pool %s (%d networks use it): remove networks no longer needed (berth down, docker network prune), or set BERTH_SUBNET_POOL to a larger or another range (or to off): %w",
		network, pool.Bits, pool, n, ErrExhausted)
}
