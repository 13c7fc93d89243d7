package engine

import (
	"context"
	"errors"
	"net/netip"
)

// ErrSubnetOverlap is returned by CreateNetwork when a subnet asked for
// overlaps one that another network on the engine already uses.
var ErrSubnetOverlap = errors.New("subnet overlaps another network's")

// SubnetLister reports the address space the engine's networks take, so
// that a caller can pick a subnet no network uses.
type SubnetLister interface {
	// Subnets lists the subnets of every network on the engine, the
	// project's or not, IPv4 and IPv6, in one call.
	Subnets(ctx context.Context) ([]netip.Prefix, error)
}
