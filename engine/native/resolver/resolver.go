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
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/miekg/dns"
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
	h := &handler{srv: s, ctx: ctx, fwd: newForwarder(s.Upstreams)}
	var servers []*dns.Server
	if pc != nil {
		// The UDP loop wakes up at every read timeout just to check whether
		// it was shut down; Shutdown wakes it anyway, so a long
		// timeout saves the monitor idle wake-ups.
		servers = append(servers, &dns.Server{PacketConn: pc, Handler: h, ReadTimeout: time.Hour})
	}
	if ln != nil {
		servers = append(servers, &dns.Server{Listener: ln, Handler: h})
	}
	if len(servers) == 0 {
		return errors.New("resolver: nothing to serve on: pass a UDP socket, a TCP listener or both")
	}

	g, gctx := errgroup.WithContext(ctx)
	for _, srv := range servers {
		g.Go(func() error { return run(gctx, srv) })
	}
	err := g.Wait()
	if ctx.Err() != nil {
		return nil
	}
	if err == nil {
		err = errors.New("listener closed")
	}
	return fmt.Errorf("resolver: serving DNS: %w", err)
}

// run serves srv until ctx is done, then shuts it down: Shutdown, unlike
// closing the sockets, also ends idle TCP connections at once rather than
// after their idle timeout, and it closes srv's socket.
func run(ctx context.Context, srv *dns.Server) error {
	started := make(chan struct{})
	srv.NotifyStartedFunc = func() { close(started) }
	done := make(chan error, 1)
	go func() { done <- srv.ActivateAndServe() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	// Shutdown before the server started would fail and leave it running.
	select {
	case err := <-done:
		return err
	case <-started:
	}
	_ = srv.Shutdown() // it can only fail when the server was not started
	return <-done
}

// handler answers one query; it is shared by the UDP and TCP servers.
type handler struct {
	srv  *Server
	ctx  context.Context
	fwd  *forwarder
	turn atomic.Uint32 // rotates the order of multi-address answers
}

func (h *handler) ServeDNS(w dns.ResponseWriter, req *dns.Msg) {
	tcp := isTCP(w)
	resp := h.answer(req, tcp)
	if !tcp {
		resp.Truncate(udpSize(req))
	}
	_ = w.WriteMsg(resp) // a client gone away is none of our business
}

// answer builds the reply to req: from Lookup and Reverse for berth's names
// and addresses, from an upstream for the rest.
func (h *handler) answer(req *dns.Msg, tcp bool) *dns.Msg {
	if len(req.Question) != 1 || req.Opcode != dns.OpcodeQuery {
		return reply(req, dns.RcodeNotImplemented)
	}
	if resp := h.ours(req); resp != nil {
		return resp
	}
	resp, err := h.fwd.exchange(h.ctx, req, tcp)
	if err != nil {
		return reply(req, dns.RcodeServerFailure)
	}
	return resp
}

// ours answers req from Lookup or Reverse, or returns nil when the question
// is not about one of berth's names or addresses.
func (h *handler) ours(req *dns.Msg) *dns.Msg {
	q := req.Question[0]
	if q.Qclass != dns.ClassINET {
		return nil
	}
	switch {
	case (q.Qtype == dns.TypeA || q.Qtype == dns.TypeAAAA) && h.srv.Lookup != nil:
		ctx, cancel := context.WithTimeout(h.ctx, lookupTimeout)
		addrs, err := h.srv.Lookup(ctx, normalize(q.Name))
		cancel()
		if err != nil {
			return reply(req, dns.RcodeServerFailure)
		}
		if len(addrs) > 0 {
			return h.local(req, addrs)
		}
	case q.Qtype == dns.TypePTR && h.srv.Reverse != nil:
		ip, ok := reverseAddr(q.Name)
		if !ok {
			return nil
		}
		ctx, cancel := context.WithTimeout(h.ctx, lookupTimeout)
		names, err := h.srv.Reverse(ctx, ip)
		cancel()
		if err != nil {
			return reply(req, dns.RcodeServerFailure)
		}
		if len(names) > 0 {
			return pointers(req, names)
		}
	}
	return nil
}

// reverseAddr returns the IPv4 address an in-addr.arpa name stands for:
// 2.3.199.10.in-addr.arpa. is 10.199.3.2. A name of fewer labels (a whole
// subnet) or with labels that are not the decimal bytes of an address is not
// one.
func reverseAddr(name string) (netip.Addr, bool) {
	rest, ok := strings.CutSuffix(normalize(name), ".in-addr.arpa")
	if !ok {
		return netip.Addr{}, false
	}
	labels := strings.Split(rest, ".")
	if len(labels) != 4 {
		return netip.Addr{}, false
	}
	slices.Reverse(labels)
	// ParseAddr refuses leading zeros and bytes above 255; Is4 refuses
	// labels that make up an IPv6 address, such as ::ffff:1.2.3.4.
	ip, err := netip.ParseAddr(strings.Join(labels, "."))
	return ip, err == nil && ip.Is4()
}

// pointers answers a PTR question with names, in Reverse's order.
func pointers(req *dns.Msg, names []string) *dns.Msg {
	q := req.Question[0]
	resp := reply(req, dns.RcodeSuccess)
	resp.Authoritative = true
	hdr := dns.RR_Header{Name: q.Name, Rrtype: dns.TypePTR, Class: dns.ClassINET, Ttl: ttl}
	for _, n := range names {
		resp.Answer = append(resp.Answer, &dns.PTR{Hdr: hdr, Ptr: dns.Fqdn(n)})
	}
	resp.Compress = len(resp.Answer) > 1
	return resp
}

// local answers a question about a known name with the addresses of the
// question's family, starting at a different one each time so that clients
// that take the first address spread over the replicas. A name with no
// address of that family answers NOERROR with no records, as dockerd does:
// NXDOMAIN would tell the client the name does not exist at all.
func (h *handler) local(req *dns.Msg, addrs []netip.Addr) *dns.Msg {
	q := req.Question[0]
	resp := reply(req, dns.RcodeSuccess)
	resp.Authoritative = true
	n := 0
	for _, a := range addrs {
		if want4 := q.Qtype == dns.TypeA; a.Unmap().Is4() == want4 {
			n++
		}
	}
	if n == 0 {
		return resp
	}
	resp.Answer = make([]dns.RR, 0, n)
	start := int(h.turn.Add(1) % uint32(n))
	hdr := dns.RR_Header{Name: q.Name, Rrtype: q.Qtype, Class: dns.ClassINET, Ttl: ttl}
	for i := range len(addrs) {
		a := addrs[(start+i)%len(addrs)].Unmap()
		switch {
		case q.Qtype == dns.TypeA && a.Is4():
			ip := a.As4()
			resp.Answer = append(resp.Answer, &dns.A{Hdr: hdr, A: net.IP(ip[:])})
		case q.Qtype == dns.TypeAAAA && a.Is6():
			ip := a.As16()
			resp.Answer = append(resp.Answer, &dns.AAAA{Hdr: hdr, AAAA: net.IP(ip[:])})
		}
	}
	resp.Compress = len(resp.Answer) > 1
	return resp
}

// reply starts a response to req with rcode.
func reply(req *dns.Msg, rcode int) *dns.Msg {
	resp := new(dns.Msg)
	resp.SetRcode(req, rcode)
	resp.RecursionAvailable = true
	return resp
}

// normalize turns a question name into Lookup's form: lower case, no
// trailing dot. DNS names compare case-insensitively.
func normalize(name string) string {
	return strings.ToLower(strings.TrimSuffix(name, "."))
}

func isTCP(w dns.ResponseWriter) bool {
	_, ok := w.RemoteAddr().(*net.TCPAddr)
	return ok
}

// udpSize is the largest UDP reply the client of req accepts.
func udpSize(req *dns.Msg) int {
	if opt := req.IsEdns0(); opt != nil {
		return int(opt.UDPSize())
	}
	return dns.MinMsgSize
}
