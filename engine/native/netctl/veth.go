package netctl

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
)

// Endpoint is one attachment of a network namespace to a bridge.
type Endpoint struct {
	Netns    string // path of the bind-mounted namespace
	Bridge   string
	HostVeth string // the pair's end on the host, a port of Bridge
	IfName   string // the pair's end in the namespace: eth0, eth1…
	Addr     netip.Prefix
	Gateway  netip.Addr
	// DefaultRoute routes everything off-subnet through Gateway.
	DefaultRoute bool
	MAC          net.HardwareAddr // nil: the kernel picks one
}

// Attach connects ep.Netns to ep.Bridge with a veth pair and configures the
// namespace's end. An attachment already in place is left alone; a half-made
// or stale one is repaired.
func Attach(ctx context.Context, ep Endpoint) error {
	for _, n := range []string{ep.HostVeth, ep.IfName} {
		if n == "" || len(n) > 15 {
			return fmt.Errorf("attach %s: interface name %q: want 1 to 15 characters", ep.Netns, n)
		}
	}
	if !ep.Addr.IsValid() || !ep.Addr.Addr().Is4() {
		return fmt.Errorf("attach %s to %s: address %v is not an IPv4 address with a prefix length", ep.Netns, ep.Bridge, ep.Addr)
	}
	if ep.DefaultRoute && !ep.Gateway.Is4() {
		return fmt.Errorf("attach %s to %s: a default route needs an IPv4 gateway, not %v", ep.Netns, ep.Bridge, ep.Gateway)
	}
	br, err := lookupLink(netlink.LinkByName, ep.Bridge)
	if err != nil {
		return fmt.Errorf("attach %s: bridge %s: %w (create the network first)", ep.Netns, ep.Bridge, err)
	}
	return withNetns(ep.Netns, func(ns netns.NsHandle, h *netlink.Handle) error {
		host, err := existingPair(ep, h)
		if err != nil {
			return err
		}
		if host == nil {
			if host, err = createPair(ep, ns, h, br); err != nil {
				return err
			}
		}
		if host.Attrs().MasterIndex != br.Attrs().Index {
			if err := netlink.LinkSetMaster(host, br); err != nil {
				return fmt.Errorf("attach %s to bridge %s: %w", ep.HostVeth, ep.Bridge, err)
			}
		}
		if err := netlink.LinkSetUp(host); err != nil {
			return fmt.Errorf("bring %s up: %w", ep.HostVeth, err)
		}
		return configurePeer(ep, h)
	})
}

// existingPair returns the host end of ep's pair when it exists and its peer
// is ep.IfName in the namespace. A host end whose peer is elsewhere is a
// leftover: it is deleted, and nil returned.
func existingPair(ep Endpoint, h *netlink.Handle) (netlink.Link, error) {
	host, err := lookupLink(netlink.LinkByName, ep.HostVeth)
	if isLinkNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("look up %s: %w", ep.HostVeth, err)
	}
	if host.Type() != "veth" {
		return nil, fmt.Errorf("link %s exists and is a %s, not a veth: berth will not delete it; remove or rename it", ep.HostVeth, host.Type())
	}
	// A veth's IFLA_LINK is its peer's index in the peer's namespace.
	peer, err := h.LinkByIndex(host.Attrs().ParentIndex)
	if err == nil && peer.Attrs().Name == ep.IfName && peer.Type() == "veth" && peer.Attrs().ParentIndex == host.Attrs().Index {
		return host, nil
	}
	if err := netlink.LinkDel(host); err != nil && !isLinkGone(err) {
		return nil, fmt.Errorf("delete stale link %s: %w", ep.HostVeth, err)
	}
	return nil, nil
}

// createPair makes the veth pair with its peer created directly inside the
// namespace under its final name, so that no half-moved peer can be left on
// the host.
func createPair(ep Endpoint, ns netns.NsHandle, h *netlink.Handle, br netlink.Link) (netlink.Link, error) {
	if stale, err := lookupLink(h.LinkByName, ep.IfName); err == nil {
		if err := h.LinkDel(stale); err != nil && !isLinkGone(err) {
			return nil, fmt.Errorf("delete stale %s in netns %s: %w", ep.IfName, ep.Netns, err)
		}
	}
	veth := &netlink.Veth{
		LinkAttrs:        netlink.LinkAttrs{Name: ep.HostVeth, MasterIndex: br.Attrs().Index},
		PeerName:         ep.IfName,
		PeerHardwareAddr: ep.MAC,
		PeerNamespace:    netlink.NsFd(ns),
	}
	if err := netlink.LinkAdd(veth); err != nil {
		return nil, fmt.Errorf("create veth pair %s/%s: %w", ep.HostVeth, ep.IfName, err)
	}
	host, err := lookupLink(netlink.LinkByName, ep.HostVeth)
	if err != nil {
		return nil, fmt.Errorf("look up %s after creating it: %w", ep.HostVeth, err)
	}
	return host, nil
}

// configurePeer gives the namespace's end its MAC, address and routes, and
// brings it up.
func configurePeer(ep Endpoint, h *netlink.Handle) error {
	peer, err := lookupLink(h.LinkByName, ep.IfName)
	if err != nil {
		return fmt.Errorf("find %s in netns %s: %w", ep.IfName, ep.Netns, err)
	}
	if ep.MAC != nil && !bytes.Equal(peer.Attrs().HardwareAddr, ep.MAC) {
		if err := h.LinkSetHardwareAddr(peer, ep.MAC); err != nil {
			return fmt.Errorf("set MAC %s on %s: %w", ep.MAC, ep.IfName, err)
		}
	}
	want := prefixNet(ep.Addr)
	addrs, err := retryDump(func() ([]netlink.Addr, error) { return h.AddrList(peer, netlink.FAMILY_V4) })
	if err != nil {
		return fmt.Errorf("list addresses of %s: %w", ep.IfName, err)
	}
	for _, a := range addrs {
		if a.IPNet.String() != want.String() {
			if err := h.AddrDel(peer, &a); err != nil {
				return fmt.Errorf("remove stale address %s from %s: %w", a.IPNet, ep.IfName, err)
			}
		}
	}
	if err := h.AddrReplace(peer, &netlink.Addr{IPNet: want}); err != nil {
		return fmt.Errorf("set address %s on %s: %w", ep.Addr, ep.IfName, err)
	}
	if err := h.LinkSetUp(peer); err != nil {
		return fmt.Errorf("bring %s up in netns %s: %w", ep.IfName, ep.Netns, err)
	}
	return ensureDefaultRoute(ep, h, peer)
}

// ensureDefaultRoute adds the default route through ep.Gateway, or removes a
// default route through this interface when ep wants none.
func ensureDefaultRoute(ep Endpoint, h *netlink.Handle, peer netlink.Link) error {
	if ep.DefaultRoute {
		r := &netlink.Route{LinkIndex: peer.Attrs().Index, Gw: ep.Gateway.AsSlice(), Dst: prefixNet(netip.PrefixFrom(netip.IPv4Unspecified(), 0))}
		if err := h.RouteReplace(r); err != nil {
			return fmt.Errorf("route via %s in netns %s: %w", ep.Gateway, ep.Netns, err)
		}
		return nil
	}
	routes, err := retryDump(func() ([]netlink.Route, error) { return h.RouteList(peer, netlink.FAMILY_V4) })
	if err != nil {
		return fmt.Errorf("list routes of %s: %w", ep.IfName, err)
	}
	for _, r := range routes {
		if r.Gw != nil && (r.Dst == nil || r.Dst.IP.IsUnspecified() && maskBits(r.Dst) == 0) {
			if err := h.RouteDel(&r); err != nil {
				return fmt.Errorf("remove the default route of %s: %w", ep.IfName, err)
			}
		}
	}
	return nil
}

func maskBits(n *net.IPNet) int {
	ones, _ := n.Mask.Size()
	return ones
}

// Detach deletes the host end of a veth pair; the kernel deletes its peer in
// the namespace with it. A pair already gone is not an error.
func Detach(ctx context.Context, hostVeth string) error {
	link, err := hostVethLink(hostVeth, "detach")
	if link == nil || err != nil {
		return err
	}
	if err := netlink.LinkDel(link); err != nil && !isLinkGone(err) {
		return fmt.Errorf("delete %s: %w", hostVeth, err)
	}
	return nil
}

// Unbridge takes the host end of a veth pair off its bridge, for a
// container whose namespace goes next (DeleteNetns): the kernel deletes
// the pair with that namespace, in the background and batched with other
// namespaces', where LinkDel waits for RCU (25-60 ms a pair, measured,
// each on the critical path of a down's dependency levels). Off the
// bridge, the pair can no longer answer for its address, which a new
// container may take at once. A pair already gone is not an error.
func Unbridge(ctx context.Context, hostVeth string) error {
	link, err := hostVethLink(hostVeth, "unbridge")
	if link == nil || err != nil {
		return err
	}
	if link.Attrs().MasterIndex == 0 {
		return nil
	}
	if err := netlink.LinkSetNoMaster(link); err != nil && !isLinkGone(err) {
		return fmt.Errorf("take %s off its bridge: %w", hostVeth, err)
	}
	return nil
}

// hostVethLink looks up the host end of a veth pair for op: nil and no
// error when it is gone already, an error when the name is some other kind
// of link, which berth did not make and will not touch.
func hostVethLink(hostVeth, op string) (netlink.Link, error) {
	link, err := lookupLink(netlink.LinkByName, hostVeth)
	if isLinkNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("look up %s: %w", hostVeth, err)
	}
	if link.Type() != "veth" {
		return nil, fmt.Errorf("%s %s: it is a %s, not a veth; berth will not touch it", op, hostVeth, link.Type())
	}
	return link, nil
}

// WaitGone waits until none of the links named is left, or until d
// passes; it reports whether they went. The kernel deletes the pairs of
// an unmounted namespace (see Unbridge) from a work queue, tens of ms
// later.
func WaitGone(names []string, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for _, n := range names {
		for {
			if _, err := lookupLink(netlink.LinkByName, n); isLinkNotFound(err) {
				break
			}
			if time.Now().After(deadline) {
				return false
			}
			time.Sleep(2 * time.Millisecond)
		}
	}
	return true
}
