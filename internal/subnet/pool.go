// Package subnet gives the networks berth creates an IPv4 subnet from
// berth's own pool, so that many stacks can run side by side on one engine.
//
// Docker's default address pools hold about 30 networks (172.17–31.0.0/16
// and 192.168.0.0/16 cut into /20s); parallel CI jobs that each create two
// networks run out of them ("could not find an available, non-overlapping
// IPv4 address pool", docker/compose#2279). A [Pool] cuts a larger private
// range (by default [DefaultPool], 10.199.0.0/16) into small subnets (by
// default /24: 256 networks) and [Create] picks a free one for each network.
//
// # Concurrency properties
//
// The engine is the only source of truth: [Create] lists the subnets every
// network on the engine uses, picks the lowest free one and creates the
// network in it. When another process took that subnet in between, the
// engine refuses with [engine.ErrSubnetOverlap] and Create tries the next
// free one. A host-level lock around pick and create (see [Options.Lock])
// only keeps concurrent berths on one host from retrying in a herd;
// correctness never depends on it, since berths on several hosts may share
// a daemon. Subnets of removed networks are free again as soon as the
// engine stops listing them.
package subnet

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// DefaultPool is the range berth takes subnets from unless told otherwise:
// inside 10.0.0.0/8, away from Docker's own default pools (172.17–31/16,
// 192.168/16), from the low 10.x ranges home routers, VPNs (OpenVPN's
// 10.8.0.0/24) and clouds hand out, and from Kubernetes' usual service and
// pod ranges (10.96.0.0/12, 10.244.0.0/16, k3s' 10.42–43/16).
const DefaultPool = "10.199.0.0/16"

// DefaultBits is the prefix length of each network's subnet: a /24 has room
// for 253 containers, more than any compose project attaches.
const DefaultBits = 24

// maxBits keeps room in a subnet for the gateway and at least one container.
const maxBits = 30

// Pool is a range cut into equal subnets. The zero value is an empty pool
// that never yields a subnet.
type Pool struct {
	Range netip.Prefix // masked: 10.199.0.0/16
	Bits  int          // prefix length of each subnet, >= Range.Bits()
}

// Parse reads a pool as a CIDR range and a subnet size in prefix bits
// ("24" or "/24"); an empty size is [DefaultBits]. It reports ok=false
// when pool is "off", "none", "false" or "0": allocation is then left to
// the engine.
func Parse(pool, size string) (p Pool, ok bool, err error) {
	switch strings.ToLower(strings.TrimSpace(pool)) {
	case "off", "none", "false", "0", "no":
		return Pool{}, false, nil
	}
	r, err := netip.ParsePrefix(strings.TrimSpace(pool))
	if err != nil || !r.Addr().Is4() {
		return Pool{}, false, fmt.Errorf("subnet pool %q: want an IPv4 range in CIDR notation such as %s, or off", pool, DefaultPool)
	}
	bits := DefaultBits
	if s := strings.TrimPrefix(strings.TrimSpace(size), "/"); s != "" {
		if bits, err = strconv.Atoi(s); err != nil {
			return Pool{}, false, fmt.Errorf("subnet size %q: want a prefix length such as 24", size)
		}
	}
	if bits < r.Bits() || bits > maxBits {
		return Pool{}, false, fmt.Errorf("subnet size /%d: want a prefix length between the pool's /%d and /%d", bits, r.Bits(), maxBits)
	}
	return Pool{Range: r.Masked(), Bits: bits}, true, nil
}

// String is the pool as a CIDR range, e.g. "10.199.0.0/16".
func (p Pool) String() string { return p.Range.String() }

// Size is how many subnets the pool holds.
func (p Pool) Size() uint64 {
	if !p.Range.IsValid() || !p.Range.Addr().Is4() || p.Bits < p.Range.Bits() || p.Bits > 32 {
		return 0
	}
	return 1 << (p.Bits - p.Range.Bits())
}

// Pick returns the lowest subnet of the pool that overlaps none of used, or
// ok=false when every subnet overlaps something. A used range that covers
// many subnets is stepped over at once, so a large pool costs no more than
// the networks it holds.
func (p Pool) Pick(used []netip.Prefix) (netip.Prefix, bool) {
	for i := uint64(0); i < p.Size(); {
		s := p.nth(i)
		u, hit := firstOverlap(s, used)
		if !hit {
			return s, true
		}
		// The next candidate starts after the end of whichever is larger.
		last := max(lastAddr(u), lastAddr(s))
		i = uint64(last-toUint(p.Range.Addr()))>>(32-p.Bits) + 1
	}
	return netip.Prefix{}, false
}

// nth is the pool's i-th subnet, counting from its first address.
func (p Pool) nth(i uint64) netip.Prefix {
	v := toUint(p.Range.Addr()) + uint32(i<<(32-p.Bits))
	return netip.PrefixFrom(fromUint(v), p.Bits)
}

func firstOverlap(s netip.Prefix, used []netip.Prefix) (netip.Prefix, bool) {
	for _, u := range used {
		if u.IsValid() && u.Addr().Is4() && s.Overlaps(u) {
			return u.Masked(), true
		}
	}
	return netip.Prefix{}, false
}

// lastAddr is the highest address of an IPv4 prefix, as a number.
func lastAddr(p netip.Prefix) uint32 {
	return toUint(p.Masked().Addr()) | uint32(uint64(1)<<(32-p.Bits())-1)
}

func toUint(a netip.Addr) uint32 {
	b := a.As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

func fromUint(v uint32) netip.Addr {
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

// ErrExhausted is returned when no subnet of the pool is free.
var ErrExhausted = errors.New("subnet pool exhausted")
