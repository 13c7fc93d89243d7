package main

import (
	"context"
	"fmt"

	"github.com/berth-dev/berth/internal/lock"
	"github.com/berth-dev/berth/internal/subnet"
)

// subnetPool is the pool the networks berth creates take their subnets
// from: BERTH_SUBNET_POOL (default subnet.DefaultPool) cut into
// /BERTH_SUBNET_SIZE subnets (default /24); nil when BERTH_SUBNET_POOL is
// off, which leaves the choice to the daemon's default address pools.
func subnetPool(environ map[string]string) (*subnet.Pool, error) {
	pool := environ["BERTH_SUBNET_POOL"]
	if pool == "" {
		pool = subnet.DefaultPool
	}
	p, ok, err := subnet.Parse(pool, environ["BERTH_SUBNET_SIZE"])
	if err != nil {
		return nil, fmt.Errorf("BERTH_SUBNET_POOL / BERTH_SUBNET_SIZE: %w", err)
	}
	if !ok {
		return nil, nil
	}
	return &p, nil
}

// subnetLock serialises the subnet picks of the berths of this user on
// this host (see subnet.Options.Lock).
func (a *app) subnetLock(ctx context.Context) (func() error, error) {
	return lock.Host(ctx, runtimeDir(a.g.environ), "subnets")
}
