package netctl

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"

	"github.com/berth-dev/berth/engine/native/internal/nettest"
	"github.com/berth-dev/berth/engine/native/portproxy"
)

// These tests change the kernel's links, mounts and iptables, so they need
// root; every name they make is random, and each thing made is removed (and
// its removal checked) in a t.Cleanup.

func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("netctl's integration tests need root")
	}
	t.Skip("netctl's integration tests need root")
}

func randHex(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, (n+1)/2)
	rand.Read(b)
	return hex.EncodeToString(b)[:n]
}

// freeSubnet picks a /24 in 10.198.0.0/16 that no route of the host touches.
func freeSubnet(t *testing.T) netip.Prefix {
	t.Helper()
	routes, err := netlink.RouteList(nil, netlink.FAMILY_V4)
	if err != nil {
		t.Fatal(err)
	}
	for range 100 {
		b := make([]byte, 1)
		rand.Read(b)
		p := netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 198, b[0], 0}), 24)
		used := false
		for _, r := range routes {
			if r.Dst == nil || maskBits(r.Dst) == 0 {
				continue
			}
			a, _ := netip.AddrFromSlice(r.Dst.IP)
			if netip.PrefixFrom(a.Unmap(), maskBits(r.Dst)).Overlaps(p) {
				used = true
			}
		}
		if !used {
			return p
		}
	}
	t.Fatal("no free /24 in 10.198.0.0/16")
	return netip.Prefix{}
}

// host returns address n of subnet p with p's length.
func host(p netip.Prefix, n byte) netip.Prefix {
	a := p.Addr().As4()
	a[3] = n
	return netip.PrefixFrom(netip.AddrFrom4(a), p.Bits())
}

// newBridge makes a bridge on a free subnet; its cleanup deletes it and
// checks that no link and no rule of it is left.
func newBridge(t *testing.T, internal bool) Bridge {
	t.Helper()
	ctx := context.Background()
	b := Bridge{Name: "br-t" + randHex(t, 8), Gateway: host(freeSubnet(t), 1), Internal: internal}
	t.Cleanup(func() {
		if err := DeleteBridge(ctx, b.Name); err != nil {
			t.Errorf("DeleteBridge: %v", err)
		}
		if err := DeleteBridge(ctx, b.Name); err != nil {
			t.Errorf("DeleteBridge again: %v", err)
		}
		if _, err := netlink.LinkByName(b.Name); !isLinkNotFound(err) {
			t.Errorf("bridge %s still there after DeleteBridge (%v)", b.Name, err)
		}
		if rules := berthRules(t, b.Name); len(rules) != 0 {
			t.Errorf("rules of %s left after DeleteBridge:\n%s", b.Name, strings.Join(rules, "\n"))
		}
	})
	if err := EnsureBridge(ctx, b); err != nil {
		t.Fatalf("EnsureBridge: %v", err)
	}
	if err := EnsureBridge(ctx, b); err != nil {
		t.Fatalf("EnsureBridge again: %v", err)
	}
	return b
}

// berthRules lists, from every backend's full dump, the rules commented
// berth:<bridge>.
func berthRules(t *testing.T, bridge string) []string {
	t.Helper()
	var out []string
	for _, save := range []string{"iptables-legacy-save", "iptables-nft-save", "iptables-save"} {
		if _, err := exec.LookPath(save); err != nil {
			continue
		}
		dump, err := exec.Command(save).Output()
		if err != nil {
			t.Fatalf("%s: %v", save, err)
		}
		for line := range strings.Lines(string(dump)) {
			if strings.Contains(line, `"`+comment(bridge)+`"`) || strings.Contains(line, comment(bridge)+" ") {
				out = append(out, save+": "+strings.TrimSpace(line))
			}
		}
	}
	return out
}

// newNetns makes a namespace; its cleanup deletes it and checks that neither
// mount nor file is left.
func newNetns(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ns-"+randHex(t, 8))
	t.Cleanup(func() {
		if err := DeleteNetns(path); err != nil {
			t.Errorf("DeleteNetns: %v", err)
		}
		if err := DeleteNetns(path); err != nil {
			t.Errorf("DeleteNetns again: %v", err)
		}
		mounts, err := os.ReadFile("/proc/self/mountinfo")
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(mounts), path) {
			t.Errorf("%s still mounted after DeleteNetns", path)
		}
		if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s still there after DeleteNetns (%v)", path, err)
		}
	})
	if err := CreateNetns(path); err != nil {
		t.Fatalf("CreateNetns: %v", err)
	}
	if err := CreateNetns(path); err != nil {
		t.Fatalf("CreateNetns again: %v", err)
	}
	return path
}

// attach attaches ns to b as address n; its cleanup detaches it and checks
// that the veth is gone.
func attach(t *testing.T, ns string, b Bridge, n byte, defaultRoute bool) Endpoint {
	t.Helper()
	ctx := context.Background()
	ep := Endpoint{
		Netns: ns, Bridge: b.Name, HostVeth: "vt" + randHex(t, 8), IfName: "eth0",
		Addr: host(b.Gateway.Masked(), n), Gateway: b.Gateway.Addr(), DefaultRoute: defaultRoute,
	}
	detachOnCleanup(t, ep.HostVeth)
	if err := Attach(ctx, ep); err != nil {
		t.Fatalf("Attach: %v", err)
	}
	return ep
}

// detachOnCleanup detaches hostVeth when the test ends and checks that it is
// gone.
func detachOnCleanup(t *testing.T, hostVeth string) {
	t.Cleanup(func() {
		ctx := context.Background()
		if err := Detach(ctx, hostVeth); err != nil {
			t.Errorf("Detach: %v", err)
		}
		if err := Detach(ctx, hostVeth); err != nil {
			t.Errorf("Detach again: %v", err)
		}
		if _, err := netlink.LinkByName(hostVeth); !isLinkNotFound(err) {
			t.Errorf("%s still there after Detach (%v)", hostVeth, err)
		}
	})
}

// inNetns runs fn with the calling goroutine's thread in the namespace at
// path. Sockets made in fn stay in that namespace when used elsewhere.
func inNetns(t *testing.T, path string, fn func()) {
	t.Helper()
	runtime.LockOSThread()
	hostNs, err := netns.Get()
	if err != nil {
		t.Fatal(err)
	}
	defer hostNs.Close()
	ns, err := netns.GetFromPath(path)
	if err != nil {
		t.Fatal(err)
	}
	defer ns.Close()
	if err := netns.Set(ns); err != nil {
		t.Fatal(err)
	}
	fn()
	if err := netns.Set(hostNs); err != nil {
		// The thread stays locked: the runtime ends it with the goroutine.
		t.Fatalf("back to the host netns: %v", err)
	}
	runtime.UnlockOSThread()
}

func listenTCPIn(t *testing.T, ns, addr string) net.Listener {
	t.Helper()
	var ln net.Listener
	var err error
	inNetns(t, ns, func() { ln, err = net.Listen("tcp", addr) })
	if err != nil {
		t.Fatalf("listen on %s in %s: %v", addr, ns, err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

func dialIn(t *testing.T, ns string) func(network, addr string) (net.Conn, error) {
	return func(network, addr string) (c net.Conn, err error) {
		inNetns(t, ns, func() { c, err = net.DialTimeout(network, addr, nettest.Wait) })
		return c, err
	}
}

// serveWho answers each connection with the address it came from.
func serveWho(ln net.Listener) {
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			io.WriteString(c, c.RemoteAddr().(*net.TCPAddr).IP.String())
			c.Close()
		}
	}()
}

func readAll(t *testing.T, dial func(network, addr string) (net.Conn, error), addr string) string {
	t.Helper()
	c, err := dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(nettest.Wait))
	b, err := io.ReadAll(c)
	if err != nil {
		t.Fatalf("read from %s: %v", addr, err)
	}
	return string(b)
}

func TestNamespacesOnOneBridge(t *testing.T) {
	needRoot(t)
	ctx := context.Background()
	b := newBridge(t, false)
	nsA, nsB := newNetns(t), newNetns(t)
	a := attach(t, nsA, b, 2, true)

	// A half-made attachment of B: a veth of that name whose peer was never
	// moved into the namespace. Attach must replace it.
	epB := Endpoint{Netns: nsB, Bridge: b.Name, HostVeth: "vt" + randHex(t, 8), IfName: "eth0",
		Addr: host(b.Gateway.Masked(), 3), Gateway: b.Gateway.Addr(), DefaultRoute: true,
		MAC: net.HardwareAddr{0x02, 0x42, 0x0a, 0xc6, 0x00, 0x03}}
	stalePeer := "vs" + randHex(t, 8)
	if err := netlink.LinkAdd(&netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: epB.HostVeth}, PeerName: stalePeer}); err != nil {
		t.Fatal(err)
	}
	detachOnCleanup(t, epB.HostVeth)
	if err := Attach(ctx, epB); err != nil {
		t.Fatalf("Attach over a stale veth: %v", err)
	}
	if _, err := netlink.LinkByName(stalePeer); !isLinkNotFound(err) {
		t.Errorf("stale peer %s still on the host (%v)", stalePeer, err)
	}

	// Attaching again changes nothing.
	before, err := netlink.LinkByName(a.HostVeth)
	if err != nil {
		t.Fatal(err)
	}
	if err := Attach(ctx, a); err != nil {
		t.Fatalf("Attach again: %v", err)
	}
	after, err := netlink.LinkByName(a.HostVeth)
	if err != nil {
		t.Fatal(err)
	}
	if before.Attrs().Index != after.Attrs().Index {
		t.Errorf("Attach of an attached endpoint recreated %s", a.HostVeth)
	}
	if br, err := netlink.LinkByName(b.Name); err != nil || after.Attrs().MasterIndex != br.Attrs().Index || after.Attrs().Flags&net.FlagUp == 0 {
		t.Errorf("%s: master %d, flags %v; want a port of %s, up", a.HostVeth, after.Attrs().MasterIndex, after.Attrs().Flags, b.Name)
	}
	withNetns(nsB, func(_ netns.NsHandle, h *netlink.Handle) error {
		eth, err := h.LinkByName("eth0")
		if err != nil {
			t.Fatalf("eth0 in B: %v", err)
		}
		if eth.Attrs().HardwareAddr.String() != epB.MAC.String() {
			t.Errorf("eth0 in B has MAC %s, want %s", eth.Attrs().HardwareAddr, epB.MAC)
		}
		return nil
	})

	ln := listenTCPIn(t, nsA, netip.AddrPortFrom(a.Addr.Addr(), 0).String())
	nettest.ServeTCP(t, ln)
	if got := nettest.AskTCP(t, dialIn(t, nsB), ln.Addr().String(), "ping"); got != "got:ping" {
		t.Errorf("B → A: %q, want got:ping", got)
	}
	// And the bridge's gateway, the host, answers from within.
	hostLn, err := net.Listen("tcp", netip.AddrPortFrom(b.Gateway.Addr(), 0).String())
	if err != nil {
		t.Fatal(err)
	}
	defer hostLn.Close()
	serveWho(hostLn)
	if got := readAll(t, dialIn(t, nsA), hostLn.Addr().String()); got != a.Addr.Addr().String() {
		t.Errorf("A → gateway: seen from %q, want %s", got, a.Addr.Addr())
	}
}

func TestNATReachesOtherInterfaces(t *testing.T) {
	needRoot(t)
	b := newBridge(t, false)
	ns := newNetns(t)
	ep := attach(t, ns, b, 2, true)

	// "Outside": a namespace behind a plain veth, with no route back to b's
	// subnet; only a masqueraded connection can get an answer.
	out := newOutside(t, false)
	outLn := listenTCPIn(t, out.ns, netip.AddrPortFrom(out.addr.Addr(), 0).String())
	serveWho(outLn)
	if got := readAll(t, dialIn(t, ns), outLn.Addr().String()); got != out.hostAddr.Addr().String() {
		t.Errorf("outside saw the connection from %q, want the host's %s (masqueraded)", got, out.hostAddr.Addr())
	}

	// The host's address on that other interface.
	hostLn, err := net.Listen("tcp", netip.AddrPortFrom(out.hostAddr.Addr(), 0).String())
	if err != nil {
		t.Fatal(err)
	}
	defer hostLn.Close()
	serveWho(hostLn)
	if got := readAll(t, dialIn(t, ns), hostLn.Addr().String()); got != ep.Addr.Addr().String() {
		t.Errorf("host saw the connection from %q, want %s", got, ep.Addr.Addr())
	}
}

func TestInternalBridgeIsCutOff(t *testing.T) {
	needRoot(t)
	b := newBridge(t, true)
	nsA, nsB := newNetns(t), newNetns(t)
	// A default route through the gateway: only the FORWARD rules stop
	// traffic from leaving.
	a := attach(t, nsA, b, 2, true)
	attach(t, nsB, b, 3, true)
	ln := listenTCPIn(t, nsA, netip.AddrPortFrom(a.Addr.Addr(), 0).String())
	nettest.ServeTCP(t, ln)
	if got := nettest.AskTCP(t, dialIn(t, nsB), ln.Addr().String(), "ping"); got != "got:ping" {
		t.Errorf("B → A on an internal bridge: %q, want got:ping", got)
	}

	// The outside namespace routes back to the internal subnet, so only the
	// host's FORWARD rules can stop the connection.
	out := newOutside(t, true)
	outLn := listenTCPIn(t, out.ns, netip.AddrPortFrom(out.addr.Addr(), 0).String())
	serveWho(outLn)
	if connects(t, nsA, outLn.Addr().String()) {
		t.Errorf("a namespace on internal bridge %s reached %s outside", b.Name, outLn.Addr())
	}
	if rules := berthRules(t, b.Name); !strings.Contains(strings.Join(rules, "\n"), "-j DROP") {
		t.Errorf("no DROP rule for internal bridge %s:\n%s", b.Name, strings.Join(rules, "\n"))
	}
}

func TestPublishIntoNetns(t *testing.T) {
	needRoot(t)
	ctx := context.Background()
	b := newBridge(t, false)
	ns := newNetns(t)
	ep := attach(t, ns, b, 2, true)
	lo := netip.MustParseAddr("127.0.0.1")

	ln := listenTCPIn(t, ns, netip.AddrPortFrom(ep.Addr.Addr(), 0).String())
	nettest.ServeTCP(t, ln)
	tcp, err := portproxy.Publish(ctx, portproxy.PortMap{HostIP: lo, Proto: "tcp", Target: netip.MustParseAddrPort(ln.Addr().String())})
	if err != nil {
		t.Fatalf("Publish tcp: %v", err)
	}
	defer tcp.Close()
	if got := nettest.AskTCP(t, net.Dial, tcp.(*portproxy.Proxy).Addr().String(), "hello"); got != "got:hello" {
		t.Errorf("tcp through the proxy: %q, want got:hello", got)
	}

	var pc net.PacketConn
	inNetns(t, ns, func() { pc, err = net.ListenPacket("udp", netip.AddrPortFrom(ep.Addr.Addr(), 0).String()) })
	if err != nil {
		t.Fatal(err)
	}
	nettest.ServeUDP(t, pc)
	udp, err := portproxy.Publish(ctx, portproxy.PortMap{HostIP: lo, Proto: "udp", Target: netip.MustParseAddrPort(pc.LocalAddr().String())})
	if err != nil {
		t.Fatalf("Publish udp: %v", err)
	}
	defer udp.Close()
	client, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	if got := nettest.AskUDP(t, client, udp.(*portproxy.Proxy).Addr(), "hello"); got != "re:hello" {
		t.Errorf("udp through the proxy: %q, want re:hello", got)
	}
}

func TestEnsureBridgeMovesGateway(t *testing.T) {
	needRoot(t)
	ctx := context.Background()
	b := newBridge(t, false)
	moved := b
	moved.Gateway = host(b.Gateway.Masked(), 254)
	if err := EnsureBridge(ctx, moved); err != nil {
		t.Fatalf("EnsureBridge with another gateway: %v", err)
	}
	link, err := netlink.LinkByName(b.Name)
	if err != nil {
		t.Fatal(err)
	}
	addrs, err := netlink.AddrList(link, netlink.FAMILY_V4)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range addrs {
		got = append(got, a.IPNet.String())
	}
	if len(got) != 1 || got[0] != moved.Gateway.String() {
		t.Errorf("bridge addresses %v, want only %s", got, moved.Gateway)
	}
	if link.Attrs().Flags&net.FlagUp == 0 {
		t.Errorf("bridge %s is not up", b.Name)
	}
}
