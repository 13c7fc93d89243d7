package subnet

import (
	"net"
	"net/netip"
)

// HostSubnets are the IPv4 subnets of this host's interfaces, loopback and
// /32s aside: a network of berth's in one of them would shadow the host's
// route, whichever engine made the other (a docker bridge, a native one, a
// VPN). A host whose interfaces cannot be read contributes none.
func HostSubnets() []netip.Prefix {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil
	}
	var out []netip.Prefix
	for _, a := range addrs {
		ipn, ok := a.(*net.IPNet)
		if !ok || ipn.IP.IsLoopback() || ipn.IP.To4() == nil {
			continue
		}
		ip, _ := netip.AddrFromSlice(ipn.IP.To4())
		ones, _ := ipn.Mask.Size()
		if ones == 32 {
			continue
		}
		out = append(out, netip.PrefixFrom(ip, ones).Masked())
	}
	return out
}
