package portproxy

import (
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/berth-dev/berth/engine/native/internal/nettest"
)

func loopback(t *testing.T, network string) netip.AddrPort {
	t.Helper()
	var addr net.Addr
	switch network {
	case "tcp":
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		nettest.ServeTCP(t, ln)
		addr = ln.Addr()
	case "udp":
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		nettest.ServeUDP(t, pc)
		addr = pc.LocalAddr()
	}
	return netip.MustParseAddrPort(addr.String())
}

func TestPublishTCP(t *testing.T) {
	ctx := context.Background()
	target := loopback(t, "tcp")
	pr, err := publish(ctx, PortMap{HostIP: netip.MustParseAddr("127.0.0.1"), Proto: "tcp", Target: target}, udpIdle)
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	t.Cleanup(func() { pr.Close() })
	for _, msg := range []string{"hello", strings.Repeat("x", 1<<20)} {
		if got := nettest.AskTCP(t, net.Dial, pr.Addr().String(), msg); got != "got:"+msg {
			t.Errorf("answer to %d bytes: %d bytes %.20q…, want got:+msg", len(msg), len(got), got)
		}
	}

	// Close ends the connections still open, then the listener.
	c, err := net.Dial("tcp", pr.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "pending")
	pr.Close()
	c.SetDeadline(time.Now().Add(nettest.Wait))
	if b, err := io.ReadAll(c); err != nil && !errors.Is(err, syscall.ECONNRESET) || len(b) != 0 {
		t.Errorf("open connection after Close: read %q, %v; want it closed with no answer", b, err)
	}
	if _, err := net.Dial("tcp", pr.Addr().String()); err == nil {
		t.Errorf("dial after Close succeeded")
	}
}

func TestPublishUDP(t *testing.T) {
	ctx := context.Background()
	target := loopback(t, "udp")
	pr, err := publish(ctx, PortMap{HostIP: netip.MustParseAddr("127.0.0.1"), Proto: "udp", Target: target}, 50*time.Millisecond)
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	t.Cleanup(func() { pr.Close() })
	// Two clients: each answer must reach its own sender.
	for _, msg := range []string{"one", "two"} {
		c, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		for range 2 {
			if got := nettest.AskUDP(t, c, pr.Addr(), msg); got != "re:"+msg {
				t.Errorf("answer to %q: %q", msg, got)
			}
		}
	}
	// Idle flows end: the flow table empties without traffic.
	deadline := time.Now().Add(nettest.Wait)
	for n := pr.udp.len(); n != 0; n = pr.udp.len() {
		if time.Now().After(deadline) {
			t.Fatalf("%d UDP flows still open after %v idle", n, nettest.Wait)
		}
		time.Sleep(10 * time.Millisecond)
	}
	pr.Close()
	if pr.udp.len() != 0 {
		t.Errorf("flows left after Close")
	}
}

func (u *udpProxy) len() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return len(u.flows)
}

func TestPublishEndsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	target := loopback(t, "tcp")
	pr, err := publish(ctx, PortMap{HostIP: netip.MustParseAddr("127.0.0.1"), Proto: "tcp", Target: target}, udpIdle)
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	cancel()
	pr.wg.Wait() // returns only once the listener and its loop are gone
	if c, err := net.Dial("tcp", pr.Addr().String()); err == nil {
		c.Close()
		t.Errorf("dial after the context ended succeeded")
	}
}

func TestCheckPort(t *testing.T) {
	lo := netip.MustParseAddr("127.0.0.1")
	for _, proto := range []string{"tcp", "udp"} {
		t.Run(proto, func(t *testing.T) {
			var held io.Closer
			var port int
			if proto == "tcp" {
				ln, err := net.Listen("tcp", "127.0.0.1:0")
				if err != nil {
					t.Fatal(err)
				}
				held, port = ln, ln.Addr().(*net.TCPAddr).Port
			} else {
				pc, err := net.ListenPacket("udp", "127.0.0.1:0")
				if err != nil {
					t.Fatal(err)
				}
				held, port = pc, pc.LocalAddr().(*net.UDPAddr).Port
			}
			p := PortMap{HostIP: lo, HostPort: uint16(port), Proto: proto, Target: netip.MustParseAddrPort("127.0.0.1:1")}
			want := "host port " + p.String() + " is already in use"
			err := CheckPort(p)
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("CheckPort on a held port: %v, want %q", err, want)
			}
			if _, err := Publish(context.Background(), p); err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("Publish on a held port: %v, want %q", err, want)
			}
			all := p
			all.HostIP = netip.Addr{}
			if err := CheckPort(all); err == nil || !strings.Contains(err.Error(), "host port "+all.String()+" is already in use") {
				t.Errorf("CheckPort on all addresses: %v, want %s named as in use", err, all)
			}
			held.Close()
			if err := CheckPort(p); err != nil {
				t.Errorf("CheckPort on a free port: %v", err)
			}
		})
	}
	if err := CheckPort(PortMap{HostPort: 1, Proto: "sctp"}); err == nil {
		t.Errorf("CheckPort accepted sctp")
	}
}
