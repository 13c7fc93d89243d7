package fake

import (
	"context"
	"fmt"
	"net/netip"
	"slices"

	"github.com/berth-dev/berth/engine"
)

var _ engine.SubnetLister = (*Engine)(nil)

// Subnets lists the subnets of every network, in address order.
func (f *Engine) Subnets(ctx context.Context) ([]netip.Prefix, error) {
	f.record("Subnets")
	if err := hook0(ctx, "list network subnets", f.Hooks.Subnets); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []netip.Prefix
	for _, subs := range f.subnets {
		out = append(out, subs...)
	}
	slices.SortFunc(out, func(a, b netip.Prefix) int { return a.Addr().Compare(b.Addr()) })
	return out, nil
}

// requestedSubnetsLocked parses the subnets spec asks for and refuses,
// as dockerd does, one that overlaps another network's.
func (f *Engine) requestedSubnetsLocked(spec engine.NetworkSpec) ([]netip.Prefix, error) {
	var want []netip.Prefix
	if spec.Subnet.IsValid() {
		want = append(want, spec.Subnet.Masked())
	}
	for _, pool := range spec.Config.Ipam.Config {
		if pool == nil || pool.Subnet == "" {
			continue
		}
		p, err := netip.ParsePrefix(pool.Subnet)
		if err != nil {
			return nil, fmt.Errorf("create network %s: ipam subnet %q: %w", spec.Name, pool.Subnet, err)
		}
		want = append(want, p.Masked())
	}
	for _, w := range want {
		for id, subs := range f.subnets {
			for _, s := range subs {
				if w.Overlaps(s) {
					return nil, fmt.Errorf("create network %s: subnet %s overlaps %s of network %s: %w",
						spec.Name, w, s, f.networks[id].Name, engine.ErrSubnetOverlap)
				}
			}
		}
	}
	return want, nil
}

// setSubnetsLocked records the subnets of network id; nil forgets them.
func (f *Engine) setSubnetsLocked(id string, subs []netip.Prefix) {
	if len(subs) == 0 {
		delete(f.subnets, id)
		return
	}
	if f.subnets == nil {
		f.subnets = map[string][]netip.Prefix{}
	}
	f.subnets[id] = subs
}
