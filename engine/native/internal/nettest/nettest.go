// Package nettest holds the echo servers and clients that the tests of
// the native engine's networking (netctl, portproxy) talk through.
package nettest

import (
	"io"
	"net"
	"testing"
	"time"
)

// Wait bounds every read in these tests, so that a broken proxy fails the
// test instead of hanging it; nothing is asserted about durations.
const Wait = 20 * time.Second

// ServeTCP answers each connection, once the client has half-closed it, with
// "got:" and what it read, then closes. The answer comes only after EOF, so
// it checks that the proxy passes half-closes on.
func ServeTCP(t *testing.T, ln net.Listener) {
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
				c.SetDeadline(time.Now().Add(Wait))
				b, _ := io.ReadAll(c)
				c.Write(append([]byte("got:"), b...))
			}()
		}
	}()
}

// ServeUDP answers each datagram with "re:" and the datagram.
func ServeUDP(t *testing.T, pc net.PacketConn) {
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

// AskTCP sends msg to addr, half-closes and returns the whole answer.
func AskTCP(t *testing.T, dial func(network, addr string) (net.Conn, error), addr, msg string) string {
	t.Helper()
	c, err := dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(Wait))
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

// AskUDP sends msg from c to addr and returns the answer.
func AskUDP(t *testing.T, c net.PacketConn, addr net.Addr, msg string) string {
	t.Helper()
	c.SetDeadline(time.Now().Add(Wait))
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
