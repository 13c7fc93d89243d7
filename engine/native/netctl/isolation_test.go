package netctl

import (
	"context"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
)

// outside is a namespace behind a plain veth pair, not a bridge of berth's:
// what a LAN or an uplink is to the host.
type outside struct {
	ns       string
	hostAddr netip.Prefix // the host's end
	addr     netip.Prefix // the namespace's end, eth0
}

// newOutside makes an outside on a free subnet; routeBack gives it a default
// route through the host. Its cleanup deletes the pair and checks it is gone.
func newOutside(t *testing.T, routeBack bool) outside {
	t.Helper()
	subnet := freeSubnet(t)
	o := outside{ns: newNetns(t), hostAddr: host(subnet, 1), addr: host(subnet, 2)}
	hostVeth := "vo" + randHex(t, 8)
	detachOnCleanup(t, hostVeth)
	err := withNetns(o.ns, func(ns netns.NsHandle, h *netlink.Handle) error {
		veth := &netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: hostVeth}, PeerName: "eth0", PeerNamespace: netlink.NsFd(ns)}
		if err := netlink.LinkAdd(veth); err != nil {
			return err
		}
		hostEnd, err := netlink.LinkByName(hostVeth)
		if err != nil {
			return err
		}
		if err := netlink.AddrAdd(hostEnd, &netlink.Addr{IPNet: prefixNet(o.hostAddr)}); err != nil {
			return err
		}
		if err := netlink.LinkSetUp(hostEnd); err != nil {
			return err
		}
		peer, err := h.LinkByName("eth0")
		if err != nil {
			return err
		}
		if err := h.AddrAdd(peer, &netlink.Addr{IPNet: prefixNet(o.addr)}); err != nil {
			return err
		}
		if err := h.LinkSetUp(peer); err != nil {
			return err
		}
		if !routeBack {
			return nil
		}
		return h.RouteAdd(&netlink.Route{LinkIndex: peer.Attrs().Index, Gw: o.hostAddr.Addr().AsSlice()})
	})
	if err != nil {
		t.Fatalf("make the outside namespace: %v", err)
	}
	return o
}

// connects reports whether a TCP connection from namespace ns to addr is
// accepted. A dropped SYN is retried until the timeout, so the timeout only
// bounds how long a refusal takes to show; an accepted connection answers in
// far less.
func connects(t *testing.T, ns, addr string) bool {
	t.Helper()
	var c net.Conn
	var err error
	inNetns(t, ns, func() { c, err = net.DialTimeout("tcp", addr, 2*time.Second) })
	if err != nil {
		return false
	}
	c.Close()
	return true
}

func TestBridgesAreIsolated(t *testing.T) {
	needRoot(t)
	ctx := context.Background()
	// The internal bridge first: the filter FORWARD accepts of the bridges
	// made after it come before its drops.
	in := newBridge(t, true)
	a, b := newBridge(t, false), newBridge(t, false)

	// One namespace on each bridge, listening, with a default route through
	// its bridge: only the host's rules stop a connection between them.
	listen := func(br Bridge) (string, net.Listener) {
		ns := newNetns(t)
		ep := attach(t, ns, br, 2, true)
		ln := listenTCPIn(t, ns, netip.AddrPortFrom(ep.Addr.Addr(), 0).String())
		serveWho(ln)
		return ns, ln
	}
	nsA, lnA := listen(a)
	nsB, lnB := listen(b)
	_, lnIn := listen(in)
	out := newOutside(t, true)

	for _, c := range []struct {
		from, fromName string
		to             net.Listener
		toName         string
	}{
		{nsA, "A", lnB, "B"},
		{nsB, "B", lnA, "A"},
		{nsA, "A", lnIn, "the internal bridge"},
		{out.ns, "a namespace outside routed to the host", lnA, "A"},
	} {
		if connects(t, c.from, c.to.Addr().String()) {
			t.Errorf("%s reached %s at %s", c.fromName, c.toName, c.to.Addr())
		}
	}

	// A namespace attached to both reaches each, from its address there.
	both := newNetns(t)
	for i, br := range []Bridge{a, b} {
		ep := Endpoint{
			Netns: both, Bridge: br.Name, HostVeth: "vt" + randHex(t, 8), IfName: "eth" + string(rune('0'+i)),
			Addr: host(br.Gateway.Masked(), 3), Gateway: br.Gateway.Addr(), DefaultRoute: i == 0,
		}
		detachOnCleanup(t, ep.HostVeth)
		if err := Attach(ctx, ep); err != nil {
			t.Fatalf("Attach to %s: %v", br.Name, err)
		}
	}
	for _, c := range []struct {
		ln   net.Listener
		from Bridge
	}{{lnA, a}, {lnB, b}} {
		want := host(c.from.Gateway.Masked(), 3).Addr().String()
		if got := readAll(t, dialIn(t, both), c.ln.Addr().String()); got != want {
			t.Errorf("the namespace on both bridges reached %s from %q, want %s", c.ln.Addr(), got, want)
		}
	}

	// And A still reaches the outside.
	outLn := listenTCPIn(t, out.ns, netip.AddrPortFrom(out.addr.Addr(), 0).String())
	serveWho(outLn)
	if got := readAll(t, dialIn(t, nsA), outLn.Addr().String()); got != out.hostAddr.Addr().String() {
		t.Errorf("outside saw A's connection from %q, want the host's %s (masqueraded)", got, out.hostAddr.Addr())
	}
	if rules := berthRules(t, a.Name); !strings.Contains(strings.Join(rules, "\n"), "-j DROP") {
		t.Errorf("no isolating DROP rule for bridge %s:\n%s", a.Name, strings.Join(rules, "\n"))
	}
}
