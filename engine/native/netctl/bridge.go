package netctl

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// Bridge is one network's Linux bridge.
type Bridge struct {
	Name string
	// Gateway is the bridge's own address and the subnet's length:
	// 10.199.3.1/24.
	Gateway  netip.Prefix
	Internal bool
}

const ipForward = "/proc/sys/net/ipv4/ip_forward"

// EnsureBridge creates bridge b, or keeps it, with its gateway address and up;
// turns IPv4 forwarding on; and adds its NAT and FORWARD rules (see the
// package documentation).
func EnsureBridge(ctx context.Context, b Bridge) error {
	if b.Name == "" || len(b.Name) > 15 {
		return fmt.Errorf("bridge name %q: want 1 to 15 characters", b.Name)
	}
	if !b.Gateway.IsValid() || !b.Gateway.Addr().Is4() {
		return fmt.Errorf("bridge %s: gateway %v is not an IPv4 address with a prefix length; the native engine supports IPv4 networks only", b.Name, b.Gateway)
	}
	link, err := ensureBridgeLink(b.Name)
	if err != nil {
		return err
	}
	addr := &netlink.Addr{IPNet: prefixNet(b.Gateway)}
	if err := dropOtherAddrs(link, addr.IPNet); err != nil {
		return err
	}
	if err := netlink.AddrReplace(link, addr); err != nil {
		return fmt.Errorf("set address %s on bridge %s: %w", b.Gateway, b.Name, err)
	}
	if err := netlink.LinkSetUp(link); err != nil {
		return fmt.Errorf("bring bridge %s up: %w", b.Name, err)
	}
	if err := enableForwarding(); err != nil {
		return err
	}
	return newFirewall().ensure(ctx, b)
}

// ensureBridgeLink returns the bridge called name, creating it if absent.
func ensureBridgeLink(name string) (netlink.Link, error) {
	link, err := lookupLink(netlink.LinkByName, name)
	if err == nil {
		if link.Type() != "bridge" {
			return nil, fmt.Errorf("link %s exists and is a %s, not a bridge: remove it (ip link del %s) or pick another network", name, link.Type(), name)
		}
		return link, nil
	}
	if !isLinkNotFound(err) {
		return nil, fmt.Errorf("look up bridge %s: %w", name, err)
	}
	br := &netlink.Bridge{LinkAttrs: netlink.LinkAttrs{Name: name}}
	if err := netlink.LinkAdd(br); err != nil && !errors.Is(err, os.ErrExist) {
		return nil, fmt.Errorf("create bridge %s: %w", name, err)
	}
	// Another process may have won the race; either way, read it back.
	link, err = lookupLink(netlink.LinkByName, name)
	if err != nil {
		return nil, fmt.Errorf("look up bridge %s after creating it: %w", name, err)
	}
	return link, nil
}

// dropOtherAddrs removes the IPv4 addresses of bridge link other than want:
// left from an earlier network of the same name, they would route its old
// subnet here.
func dropOtherAddrs(link netlink.Link, want *net.IPNet) error {
	addrs, err := retryDump(func() ([]netlink.Addr, error) { return netlink.AddrList(link, netlink.FAMILY_V4) })
	if err != nil {
		return fmt.Errorf("list the addresses of bridge %s: %w", link.Attrs().Name, err)
	}
	for _, a := range addrs {
		if a.IPNet.String() != want.String() {
			if err := netlink.AddrDel(link, &a); err != nil {
				return fmt.Errorf("remove stale address %s from bridge %s: %w", a.IPNet, link.Attrs().Name, err)
			}
		}
	}
	return nil
}

// enableForwarding sets net.ipv4.ip_forward=1. It writes only when needed:
// every write resets the per-interface forwarding settings.
func enableForwarding() error {
	cur, err := os.ReadFile(ipForward)
	if err != nil {
		return fmt.Errorf("read %s: %w", ipForward, err)
	}
	if string(bytes.TrimSpace(cur)) == "1" {
		return nil
	}
	if err := os.WriteFile(ipForward, []byte("1\n"), 0o644); err != nil {
		return fmt.Errorf("turn IPv4 forwarding on (%s): %w", ipForward, err)
	}
	return nil
}

// BridgeExists reports whether a bridge called name exists: one netlink
// query, for callers that remember having ensured it.
func BridgeExists(name string) bool {
	link, err := lookupLink(netlink.LinkByName, name)
	return err == nil && link.Type() == "bridge"
}

// DeleteBridge removes bridge name and every iptables rule commented
// berth:<name>. A bridge or rules already gone are not an error.
//
// The link and the rules go at once: each waits on the kernel (a link's
// deletion for RCU, 30-80 ms measured; iptables-nft-restore's commit,
// 25-30 ms) and neither needs the other gone first.
func DeleteBridge(ctx context.Context, name string) error {
	rules := make(chan error, 1)
	go func() { rules <- newFirewall().remove(ctx, name) }()
	var linkErr error
	link, err := lookupLink(netlink.LinkByName, name)
	switch {
	case err == nil:
		if err := netlink.LinkDel(link); err != nil && !isLinkGone(err) {
			linkErr = fmt.Errorf("delete bridge %s: %w", name, err)
		}
	case !isLinkNotFound(err):
		linkErr = fmt.Errorf("look up bridge %s: %w", name, err)
	}
	return errors.Join(linkErr, <-rules)
}

func isLinkNotFound(err error) bool {
	var nf netlink.LinkNotFoundError
	return errors.As(err, &nf)
}

// isLinkGone reports whether err says the link is no longer there, as an
// operation on a link deleted meanwhile does.
func isLinkGone(err error) bool {
	return isLinkNotFound(err) || errors.Is(err, unix.ENODEV)
}

func prefixNet(p netip.Prefix) *net.IPNet {
	return &net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())}
}
