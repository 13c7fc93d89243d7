package main

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"net/netip"
	"os"
	"strings"
)

// Each run's networks get explicit /24 subnets, outside Docker's default
// address pools. dockerd 20.10 sometimes keeps a network with a stale
// endpoint that only a daemon restart removes (moby/moby#43286); each one
// holds its subnet, and with the defaults every such network would take one
// of the ~30 pools that everyone on the machine shares. The native engine
// makes a bridge, and so a kernel route, for each subnet: a subnet some
// other network or route already holds would make its traffic go astray, so
// the picker skips those.

// subnets is the pair of /24s of candidate n: 128 pairs in the 10.x block
// first, then on through the blocks 10.100 to 10.199.
func subnets(first, n int) map[string]string {
	block := 100 + (first-100+n/128)%100
	third := 2 * (n % 128)
	return map[string]string{
		netBack:  fmt.Sprintf("10.%d.%d.0/24", block, third),
		netFront: fmt.Sprintf("10.%d.%d.0/24", block, third+1),
	}
}

// subnetPicker hands out a fresh pair of subnets for every cycle, none of
// them overlapping what taken reports at that moment.
type subnetPicker struct {
	block int // the 10.x block of this bench process's first candidates
	next  int // candidates handed out or skipped so far
	// taken lists the subnets in use on the machine; on error it returns
	// what it could read, and the picker goes on with that.
	taken func(ctx context.Context) ([]netip.Prefix, error)
	log   io.Writer
}

// maxCandidates is every pair subnets can name.
const maxCandidates = 100 * 128

func (p *subnetPicker) pick(ctx context.Context) (map[string]string, error) {
	var taken []netip.Prefix
	if p.taken != nil {
		var err error
		if taken, err = p.taken(ctx); err != nil {
			fmt.Fprintf(p.log, "bench: %v; picking subnets without it\n", err)
		}
	}
	for range maxCandidates {
		m := subnets(p.block, p.next)
		p.next++
		if !overlapsAny(m, taken) {
			return m, nil
		}
	}
	return nil, errors.New("no free pair of /24 subnets in 10.100.0.0/16 to 10.199.0.0/16: remove stale networks (docker network prune) or bridges")
}

func overlapsAny(m map[string]string, taken []netip.Prefix) bool {
	for _, s := range m {
		p := netip.MustParsePrefix(s)
		for _, t := range taken {
			if p.Overlaps(t) {
				return true
			}
		}
	}
	return false
}

// takenSubnets is what the machine uses now: the kernel's IPv4 routes (each
// bridge, dockerd's and the native engine's, has one) and dockerd's networks
// (an overlay network has no route on the host).
func takenSubnets(ctx context.Context) ([]netip.Prefix, error) {
	var errs []error
	routes, err := kernelRoutes("/proc/net/route")
	if err != nil {
		errs = append(errs, err)
	}
	nets, err := dockerSubnets(ctx)
	if err != nil {
		errs = append(errs, err)
	}
	return append(routes, nets...), errors.Join(errs...)
}

// kernelRoutes reads the destinations of the main IPv4 routing table,
// leaving out the default route.
func kernelRoutes(path string) ([]netip.Prefix, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read the kernel's routes: %w", err)
	}
	defer f.Close()
	return parseRoutes(f)
}

// parseRoutes reads /proc/net/route: after a header, one route a line,
// destination and mask as 8 hex digits of the address in host byte order.
func parseRoutes(r io.Reader) ([]netip.Prefix, error) {
	var out []netip.Prefix
	sc := bufio.NewScanner(r)
	for first := true; sc.Scan(); first = false {
		f := strings.Fields(sc.Text())
		if first || len(f) < 8 {
			continue
		}
		dst, err1 := routeAddr(f[1])
		mask, err2 := routeAddr(f[7])
		if err := errors.Join(err1, err2); err != nil {
			return nil, fmt.Errorf("read the kernel's routes: line %q: %w", sc.Text(), err)
		}
		m := mask.As4()
		ones := bits.OnesCount32(binary.BigEndian.Uint32(m[:]))
		if ones == 0 {
			continue
		}
		out = append(out, netip.PrefixFrom(dst, ones).Masked())
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read the kernel's routes: %w", err)
	}
	return out, nil
}

func routeAddr(s string) (netip.Addr, error) {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 4 {
		return netip.Addr{}, fmt.Errorf("%q is not 8 hex digits", s)
	}
	var a [4]byte
	binary.NativeEndian.PutUint32(a[:], binary.BigEndian.Uint32(b))
	return netip.AddrFrom4(a), nil
}

// dockerSubnets lists the subnets of every dockerd network.
func dockerSubnets(ctx context.Context) ([]netip.Prefix, error) {
	ids, err := docker(ctx, "network", "ls", "-q")
	if err != nil || ids == "" {
		return nil, err
	}
	out, err := docker(ctx, append([]string{"network", "inspect", "--format", "{{range .IPAM.Config}}{{.Subnet}} {{end}}"}, strings.Fields(ids)...)...)
	if err != nil {
		// A network removed between the two calls fails the inspect;
		// the routes still cover every bridge.
		return nil, err
	}
	return parsePrefixes(out), nil
}

// parsePrefixes keeps the fields of s that are prefixes.
func parsePrefixes(s string) []netip.Prefix {
	var out []netip.Prefix
	for _, f := range strings.Fields(s) {
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
		}
	}
	return out
}
