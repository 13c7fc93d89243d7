package netctl

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
)

// wait bounds every read in these tests, so that a broken proxy fails the
// test instead of hanging it; nothing is asserted about durations.
const wait = 20 * time.Second

// serveTCP answers each connection, once the client has half-closed it, with
// "got:" and what it read, then closes. The answer comes only after EOF, so
// it checks that the proxy passes half-closes on.
func serveTCP(t *testing.T, ln net.Listener) {
	t.Helper()
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(wait))
				b, _ := io.ReadAll(c)
				c.Write(append([]byte("got:"), b...))
			}()
		}
	}()
}

// serveUDP answers each datagram with "re:" and the datagram.
func serveUDP(t *testing.T, pc net.PacketConn) {
	t.Helper()
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 2048)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			pc.WriteTo(append([]byte("re:"), buf[:n]...), from)
		}
	}()
}

// askTCP sends msg to addr, half-closes and returns the whole answer.
func askTCP(t *testing.T, dial func(network, addr string) (net.Conn, error), addr, msg string) string {
	t.Helper()
	c, err := dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(wait))
	if _, err := io.WriteString(c, msg); err != nil {
		t.Fatalf("write: %v", err)
	}
	if err := c.(*net.TCPConn).CloseWrite(); err != nil {
		t.Fatalf("close write: %v", err)
	}
	b, err := io.ReadAll(c)
	if err != nil {
		t.Fatalf("read from %s: %v", addr, err)
	}
	return string(b)
}

// askUDP sends msg from c to addr and returns the answer.
func askUDP(t *testing.T, c net.PacketConn, addr net.Addr, msg string) string {
	t.Helper()
	c.SetDeadline(time.Now().Add(wait))
	if _, err := c.WriteTo([]byte(msg), addr); err != nil {
		t.Fatalf("send to %s: %v", addr, err)
	}
	buf := make([]byte, 2048)
	n, _, err := c.ReadFrom(buf)
	if err != nil {
		t.Fatalf("answer from %s: %v", addr, err)
	}
	return string(buf[:n])
}

func loopback(t *testing.T, network string) netip.AddrPort {
	t.Helper()
	var addr net.Addr
	switch network {
	case "tcp":
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		serveTCP(t, ln)
		addr = ln.Addr()
	case "udp":
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		serveUDP(t, pc)
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
		if got := askTCP(t, net.Dial, pr.Addr().String(), msg); got != "got:"+msg {
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
	c.SetDeadline(time.Now().Add(wait))
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
			if got := askUDP(t, c, pr.Addr(), msg); got != "re:"+msg {
				t.Errorf("answer to %q: %q", msg, got)
			}
		}
	}
	// Idle flows end: the flow table empties without traffic.
	deadline := time.Now().Add(wait)
	for n := pr.udp.len(); n != 0; n = pr.udp.len() {
		if time.Now().After(deadline) {
			t.Fatalf("%d UDP flows still open after %v idle", n, wait)
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
