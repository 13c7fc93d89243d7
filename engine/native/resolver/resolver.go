// Package resolver is the native engine's embedded DNS server: what Docker
// runs at 127.0.0.11 in every container on a user-defined network.
//
// A and AAAA questions for names the container's networks know (service
// names, container names, aliases) are answered from [Server.Lookup], with
// every replica's address in a rotating order and a TTL of 600 seconds, as
// dockerd answers them. PTR questions for the in-addr.arpa names of their
// addresses are answered from [Server.Reverse] the same way, so that a
// container sees who connects to it by name. Every other question is
// forwarded to
// [Server.Upstreams], so a container resolves internet names (and addresses)
// through the host's resolvers.
//
// One Server runs per container, in that container's monitor process, whose
// memory budget is a few MiB: the server keeps no cache and no per-name
// state, and builds a reply from the question alone.
package resolver

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sync/errgroup"
)

// ttl is the TTL of the records the server answers itself: dockerd's
// embedded DNS uses 600 seconds.
const ttl = 600

// lookupTimeout bounds one call to Lookup, so that a stuck lookup answers
// SERVFAIL before the client's own timeout (5s in glibc and musl).
const lookupTimeout = 2 * time.Second

// Server answers DNS queries for one container.
type Server struct {
	// Lookup returns the addresses of name on the container's own networks.
	// name is lower case with no trailing dot. nil, nil means the name is not
	// one of berth's, and the query is forwarded to Upstreams.
	Lookup func(ctx context.Context, name string) ([]netip.Addr, error)
	// Reverse returns the names of ip on the container's own networks, for
	// PTR questions; the server adds the trailing dot. nil, nil means the
	// address is not one of berth's, and the query is forwarded to
	// Upstreams. A nil Reverse forwards every PTR question.
	Reverse func(ctx context.Context, ip netip.Addr) ([]string, error)
	// Upstreams are the "ip:port" resolvers every other query is forwarded
	// to, tried in order. See [Upstreams] for parsing them out of
	// resolv.conf.
	Upstreams []string
}

// Serve answers queries on pc (UDP) and ln (TCP) until ctx is done; either
// may be nil. It closes both and waits for the queries in flight before
// returning; it returns nil when ctx ended it, or the error that stopped a
// listener.
func (s *Server) Serve(ctx context.Context, pc net.PacketConn, ln net.Listener) error {
	if pc == nil && ln == nil {
		return errors.New("resolver: nothing to serve on: pass a UDP socket, a TCP listener or both")
	}
	h := &handler{srv: s, fwd: &forwarder{upstreams: s.Upstreams}}
	g, gctx := errgroup.WithContext(ctx)
	// Closing the sockets is what ends the loops' blocking reads, when ctx
	// is done or the other loop failed.
	closeAll := func() {
		if pc != nil {
			pc.Close()
		}
		if ln != nil {
			ln.Close()
		}
	}
	stop := context.AfterFunc(gctx, closeAll)
	defer stop()
	var inflight sync.WaitGroup
	if pc != nil {
		g.Go(func() error { return h.serveUDP(gctx, pc, &inflight) })
	}
	if ln != nil {
		g.Go(func() error { return h.serveTCP(gctx, ln, &inflight) })
	}
	err := g.Wait()
	closeAll()
	inflight.Wait()
	if ctx.Err() != nil {
		return nil
	}
	return fmt.Errorf("resolver: serving DNS: %w", err)
}

// serveUDP answers each datagram on pc in a goroutine of its own, so that a
// slow upstream holds up no other query.
func (h *handler) serveUDP(ctx context.Context, pc net.PacketConn, inflight *sync.WaitGroup) error {
	// Larger than any query a client sends: miekg/dns read 512 bytes.
	buf := make([]byte, 4096)
	for {
		n, from, err := pc.ReadFrom(buf)
		if err != nil {
			return fmt.Errorf("reading UDP: %w", err)
		}
		raw := slices.Clone(buf[:n])
		inflight.Go(func() {
			if resp := h.respond(ctx, raw, false); resp != nil {
				_, _ = pc.WriteTo(resp, from) // a client gone away is none of our business
			}
		})
	}
}

// TCP timeouts, miekg/dns's defaults: a client gets tcpReadTimeout to send
// its first query and tcpIdleTimeout for each further one on the same
// connection, up to tcpMaxQueries.
const (
	tcpReadTimeout  = 2 * time.Second
	tcpIdleTimeout  = 8 * time.Second
	tcpWriteTimeout = 2 * time.Second
	tcpMaxQueries   = 128
)

// serveTCP answers each connection on ln in a goroutine of its own.
func (h *handler) serveTCP(ctx context.Context, ln net.Listener, inflight *sync.WaitGroup) error {
	for {
		conn, err := ln.Accept()
		if err != nil {
			if !transient(err) {
				return fmt.Errorf("accepting TCP: %w", err)
			}
			// Out of file descriptors or memory: wait for some to be freed
			// rather than give up DNS for the container's lifetime.
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(50 * time.Millisecond):
			}
			continue
		}
		inflight.Go(func() { h.serveConn(ctx, conn) })
	}
}

// transient reports whether an Accept error passes by itself.
func transient(err error) bool {
	return errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) ||
		errors.Is(err, syscall.ENOBUFS) || errors.Is(err, syscall.ENOMEM) ||
		errors.Is(err, syscall.ECONNABORTED)
}

// serveConn answers the queries on one TCP connection, one after the other,
// until the client closes it or goes idle, or the server shuts down: then
// closing the connection ends the read at once.
func (h *handler) serveConn(ctx context.Context, conn net.Conn) {
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	timeout := tcpReadTimeout
	for range tcpMaxQueries {
		_ = conn.SetReadDeadline(time.Now().Add(timeout)) // a failure shows up as the read's error
		raw, err := readTCP(conn)
		if err != nil {
			return
		}
		timeout = tcpIdleTimeout
		resp := h.respond(ctx, raw, true)
		if resp == nil {
			continue
		}
		msg := make([]byte, 2, 2+len(resp))
		binary.BigEndian.PutUint16(msg, uint16(len(resp)))
		_ = conn.SetWriteDeadline(time.Now().Add(tcpWriteTimeout))
		if _, err := conn.Write(append(msg, resp...)); err != nil {
			return
		}
	}
}
