package resolver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"sync"
	"testing"

	"github.com/miekg/dns"
)

// names is the Lookup of the tests: the addresses of berth's names. Its
// keys are in Lookup's form, so a question in upper case or with the
// trailing dot of the wire format is answered only when the server
// normalizes it.
var names = map[string][]netip.Addr{
	"web":    {netip.MustParseAddr("10.199.3.2"), netip.MustParseAddr("10.199.3.3")},
	"db":     {netip.MustParseAddr("10.199.3.4")},
	"v6only": {netip.MustParseAddr("fd00::4")},
	"broken": nil, // Lookup fails
}

func lookup(_ context.Context, name string) ([]netip.Addr, error) {
	if name == "broken" {
		return nil, errors.New("records unreadable")
	}
	return names[name], nil
}

// pointerNames is the Reverse of the tests: the names of berth's addresses,
// one given with the trailing dot and one without.
var pointerNames = map[netip.Addr][]string{
	netip.MustParseAddr("10.199.3.2"): {"proj-web-1.front", "web.front."},
	netip.MustParseAddr("10.199.3.4"): nil, // Reverse fails
}

// reverse unmaps ip, as a Reverse keyed by IPv4 addresses might: the server
// must not pass it an IPv6 address made up from an in-addr.arpa name.
func reverse(_ context.Context, ip netip.Addr) ([]string, error) {
	ip = ip.Unmap()
	if ip == netip.MustParseAddr("10.199.3.4") {
		return nil, errors.New("records unreadable")
	}
	return pointerNames[ip], nil
}

// upstream is a fake upstream resolver on 127.0.0.1: it answers A questions
// with 192.0.2.1, NXDOMAIN for "missing.example.", and records what it was
// asked. With truncate set, it answers over UDP with the TC bit and no
// records, so only the TCP retry gets the answer.
type upstream struct {
	addr     string
	truncate bool

	mu    sync.Mutex
	asked []string // "udp missing.example. A"
}

func startUpstream(t *testing.T, truncate bool) *upstream {
	t.Helper()
	u := &upstream{truncate: truncate}
	pc, ln := listenSamePort(t)
	u.addr = pc.LocalAddr().String()
	for _, srv := range []*dns.Server{{PacketConn: pc, Handler: u}, {Listener: ln, Handler: u}} {
		go func() { _ = srv.ActivateAndServe() }()
	}
	t.Cleanup(func() {
		pc.Close()
		ln.Close()
	})
	return u
}

func (u *upstream) ServeDNS(w dns.ResponseWriter, req *dns.Msg) {
	q := req.Question[0]
	proto := "udp"
	if isTCP(w) {
		proto = "tcp"
	}
	u.mu.Lock()
	u.asked = append(u.asked, fmt.Sprintf("%s %s %s", proto, q.Name, dns.TypeToString[q.Qtype]))
	u.mu.Unlock()

	resp := new(dns.Msg)
	resp.SetReply(req)
	resp.RecursionAvailable = true
	switch {
	case u.truncate && proto == "udp":
		resp.Truncated = true
	case q.Name == "missing.example.":
		resp.Rcode = dns.RcodeNameError
	case q.Qtype == dns.TypeA:
		resp.Answer = append(resp.Answer, &dns.A{
			Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 30},
			A:   net.IPv4(192, 0, 2, 1),
		})
	}
	_ = w.WriteMsg(resp)
}

func (u *upstream) questions() []string {
	u.mu.Lock()
	defer u.mu.Unlock()
	return slices.Clone(u.asked)
}

// listenLocal opens a UDP socket and a TCP listener on 127.0.0.1, on ports
// of the kernel's choosing.
// listenSamePort listens on one port for both protocols, as a real
// resolver does. The kernel picks the UDP port; the same TCP port may be in
// use by another process's connection, so it tries a few ports.
func listenSamePort(t *testing.T) (net.PacketConn, net.Listener) {
	t.Helper()
	var lastErr error
	for range 20 {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("listening on udp: %v", err)
		}
		ln, err := net.Listen("tcp", pc.LocalAddr().String())
		if err == nil {
			return pc, ln
		}
		pc.Close()
		lastErr = err
	}
	t.Fatalf("listening on one port for udp and tcp: %v", lastErr)
	return nil, nil
}

func listenLocal(t *testing.T) (net.PacketConn, net.Listener) {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listening on udp: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		pc.Close()
		t.Fatalf("listening on tcp: %v", err)
	}
	return pc, ln
}

// serve runs s on 127.0.0.1 until the test ends, and returns its UDP and
// TCP addresses.
func serve(t *testing.T, s *Server) (udp, tcp string) {
	t.Helper()
	pc, ln := listenLocal(t)
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- s.Serve(ctx, pc, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-errc; err != nil {
			t.Errorf("Serve after cancel: %v", err)
		}
	})
	return pc.LocalAddr().String(), ln.Addr().String()
}

// deadPort is a UDP address on 127.0.0.1 nobody listens on: a query to it
// fails at once with "connection refused".
func deadPort(t *testing.T) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listening on udp: %v", err)
	}
	addr := pc.LocalAddr().String()
	pc.Close()
	return addr
}

func query(t *testing.T, proto, addr, name string, qtype uint16) *dns.Msg {
	t.Helper()
	req := new(dns.Msg)
	req.SetQuestion(name, qtype)
	c := dns.Client{Net: proto}
	resp, _, err := c.Exchange(req, addr)
	if err != nil {
		t.Fatalf("%s query %s %s to %s: %v", proto, name, dns.TypeToString[qtype], addr, err)
	}
	return resp
}

// answers lists the answer records as "A 10.199.3.2 600", sorted: the order
// rotates.
func answers(m *dns.Msg) []string {
	var out []string
	for _, rr := range m.Answer {
		switch rr := rr.(type) {
		case *dns.A:
			out = append(out, fmt.Sprintf("A %s %d", rr.A, rr.Hdr.Ttl))
		case *dns.AAAA:
			out = append(out, fmt.Sprintf("AAAA %s %d", rr.AAAA, rr.Hdr.Ttl))
		case *dns.PTR:
			out = append(out, fmt.Sprintf("PTR %s %s %d", rr.Hdr.Name, rr.Ptr, rr.Hdr.Ttl))
		default:
			out = append(out, rr.String())
		}
	}
	slices.Sort(out)
	return out
}

func TestServe(t *testing.T) {
	up := startUpstream(t, false)
	udp, tcp := serve(t, &Server{Lookup: lookup, Reverse: reverse, Upstreams: []string{up.addr}})

	tests := []struct {
		name      string
		qname     string
		qtype     uint16
		rcode     int
		answers   []string
		forwarded bool
	}{
		{name: "replicas", qname: "web.", qtype: dns.TypeA,
			answers: []string{"A 10.199.3.2 600", "A 10.199.3.3 600"}},
		{name: "upper case", qname: "WeB.", qtype: dns.TypeA,
			answers: []string{"A 10.199.3.2 600", "A 10.199.3.3 600"}},
		{name: "one address", qname: "db.", qtype: dns.TypeA,
			answers: []string{"A 10.199.3.4 600"}},
		{name: "AAAA of an IPv4-only name", qname: "web.", qtype: dns.TypeAAAA},
		{name: "A of an IPv6-only name", qname: "v6only.", qtype: dns.TypeA},
		{name: "AAAA of an IPv6 name", qname: "v6only.", qtype: dns.TypeAAAA,
			answers: []string{"AAAA fd00::4 600"}},
		{name: "lookup fails", qname: "broken.", qtype: dns.TypeA, rcode: dns.RcodeServerFailure},
		{name: "unknown name", qname: "example.org.", qtype: dns.TypeA,
			answers: []string{"A 192.0.2.1 30"}, forwarded: true},
		{name: "upstream NXDOMAIN", qname: "missing.example.", qtype: dns.TypeA,
			rcode: dns.RcodeNameError, forwarded: true},
		{name: "other type of a known name", qname: "web.", qtype: dns.TypeMX, forwarded: true},
		{name: "PTR of an address", qname: "2.3.199.10.in-addr.arpa.", qtype: dns.TypePTR,
			answers: []string{"PTR 2.3.199.10.in-addr.arpa. proj-web-1.front. 600", "PTR 2.3.199.10.in-addr.arpa. web.front. 600"}},
		{name: "PTR in upper case", qname: "2.3.199.10.IN-ADDR.ARPA.", qtype: dns.TypePTR,
			answers: []string{"PTR 2.3.199.10.IN-ADDR.ARPA. proj-web-1.front. 600", "PTR 2.3.199.10.IN-ADDR.ARPA. web.front. 600"}},
		{name: "PTR fails", qname: "4.3.199.10.in-addr.arpa.", qtype: dns.TypePTR, rcode: dns.RcodeServerFailure},
		{name: "PTR of an unknown address", qname: "9.3.199.10.in-addr.arpa.", qtype: dns.TypePTR, forwarded: true},
		{name: "PTR of a subnet", qname: "3.199.10.in-addr.arpa.", qtype: dns.TypePTR, forwarded: true},
		{name: "PTR with a leading zero", qname: "02.3.199.10.in-addr.arpa.", qtype: dns.TypePTR, forwarded: true},
		{name: "PTR of an IPv4-mapped name", qname: "2.3.199.::ffff:10.in-addr.arpa.", qtype: dns.TypePTR, forwarded: true},
		{name: "PTR of an ip6.arpa name", qname: "4.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa.", qtype: dns.TypePTR, forwarded: true},
		{name: "A of a reverse name", qname: "2.3.199.10.in-addr.arpa.", qtype: dns.TypeA,
			answers: []string{"A 192.0.2.1 30"}, forwarded: true},
	}
	for _, proto := range []string{"udp", "tcp"} {
		addr := udp
		if proto == "tcp" {
			addr = tcp
		}
		for _, tt := range tests {
			t.Run(proto+"/"+tt.name, func(t *testing.T) {
				before := len(up.questions())
				resp := query(t, proto, addr, tt.qname, tt.qtype)
				if resp.Rcode != tt.rcode {
					t.Errorf("rcode = %s, want %s", dns.RcodeToString[resp.Rcode], dns.RcodeToString[tt.rcode])
				}
				if got := answers(resp); !slices.Equal(got, tt.answers) {
					t.Errorf("answers = %q, want %q", got, tt.answers)
				}
				asked := up.questions()[before:]
				want := []string(nil)
				if tt.forwarded {
					want = []string{fmt.Sprintf("%s %s %s", proto, dns.Fqdn(tt.qname), dns.TypeToString[tt.qtype])}
				}
				if !slices.Equal(asked, want) {
					t.Errorf("upstream asked %q, want %q", asked, want)
				}
				if !resp.RecursionAvailable {
					t.Error("RA bit not set: dig and some stub resolvers warn")
				}
			})
		}
	}
}

// TestServePTRWithoutReverse checks that a server with no Reverse forwards
// PTR questions, even for the addresses Lookup gives.
func TestServePTRWithoutReverse(t *testing.T) {
	up := startUpstream(t, false)
	udp, _ := serve(t, &Server{Lookup: lookup, Upstreams: []string{up.addr}})
	resp := query(t, "udp", udp, "2.3.199.10.in-addr.arpa.", dns.TypePTR)
	if resp.Rcode != dns.RcodeSuccess || len(resp.Answer) != 0 {
		t.Errorf("rcode %s, answers %q: want the upstream's empty NOERROR", dns.RcodeToString[resp.Rcode], answers(resp))
	}
	if got, want := up.questions(), []string{"udp 2.3.199.10.in-addr.arpa. PTR"}; !slices.Equal(got, want) {
		t.Errorf("upstream asked %q, want %q", got, want)
	}
}

// TestServeRotates checks that clients taking the first address of the
// answer do not all land on the same replica.
func TestServeRotates(t *testing.T) {
	udp, _ := serve(t, &Server{Lookup: lookup})
	first := map[string]bool{}
	for range 2 {
		resp := query(t, "udp", udp, "web.", dns.TypeA)
		if len(resp.Answer) != 2 {
			t.Fatalf("answers = %q, want 2", answers(resp))
		}
		first[resp.Answer[0].(*dns.A).A.String()] = true
	}
	if len(first) != 2 {
		t.Errorf("two queries both answered %v first, want each replica first once", first)
	}
}

func TestServeManyReplicasTruncatesUDP(t *testing.T) {
	many := make([]netip.Addr, 100)
	for i := range many {
		many[i] = netip.AddrFrom4([4]byte{10, 199, 4, byte(i + 2)})
	}
	udp, tcp := serve(t, &Server{Lookup: func(context.Context, string) ([]netip.Addr, error) { return many, nil }})

	tests := []struct {
		name      string
		proto     string
		edns      uint16 // the client's EDNS0 UDP size, 0 for none
		truncated bool
		answers   int
	}{
		// 12 bytes of header, 9 of question, 16 per compressed A record.
		{name: "UDP", proto: "udp", truncated: true, answers: 30},
		{name: "UDP with EDNS0 1232", proto: "udp", edns: 1232, truncated: true, answers: 75},
		{name: "UDP with EDNS0 4096", proto: "udp", edns: 4096, answers: len(many)},
		{name: "TCP", proto: "tcp", answers: len(many)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := new(dns.Msg)
			req.SetQuestion("web.", dns.TypeA)
			if tt.edns != 0 {
				req.SetEdns0(tt.edns, false)
			}
			addr := udp
			if tt.proto == "tcp" {
				addr = tcp
			}
			c := dns.Client{Net: tt.proto, UDPSize: 4096}
			resp, _, err := c.Exchange(req, addr)
			if err != nil {
				t.Fatalf("query: %v", err)
			}
			if resp.Truncated != tt.truncated || len(resp.Answer) != tt.answers {
				t.Errorf("truncated %v with %d answers, want %v with %d", resp.Truncated, len(resp.Answer), tt.truncated, tt.answers)
			}
		})
	}
}

func TestServeUpstreams(t *testing.T) {
	tests := []struct {
		name      string
		upstreams func(t *testing.T, up *upstream) []string
		truncate  bool
		rcode     int
		answers   []string
		asked     []string
	}{
		{
			name:      "all down",
			upstreams: func(t *testing.T, _ *upstream) []string { return []string{deadPort(t), deadPort(t)} },
			rcode:     dns.RcodeServerFailure,
		},
		{
			name:      "none",
			upstreams: func(*testing.T, *upstream) []string { return nil },
			rcode:     dns.RcodeServerFailure,
		},
		{
			name:      "first down",
			upstreams: func(t *testing.T, up *upstream) []string { return []string{deadPort(t), up.addr} },
			answers:   []string{"A 192.0.2.1 30"},
			asked:     []string{"udp example.org. A"},
		},
		{
			name:      "truncated over UDP",
			upstreams: func(_ *testing.T, up *upstream) []string { return []string{up.addr} },
			truncate:  true,
			answers:   []string{"A 192.0.2.1 30"},
			asked:     []string{"udp example.org. A", "tcp example.org. A"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			up := startUpstream(t, tt.truncate)
			udp, _ := serve(t, &Server{Lookup: lookup, Upstreams: tt.upstreams(t, up)})
			resp := query(t, "udp", udp, "example.org.", dns.TypeA)
			if resp.Rcode != tt.rcode {
				t.Errorf("rcode = %s, want %s", dns.RcodeToString[resp.Rcode], dns.RcodeToString[tt.rcode])
			}
			if got := answers(resp); !slices.Equal(got, tt.answers) {
				t.Errorf("answers = %q, want %q", got, tt.answers)
			}
			if got := up.questions(); !slices.Equal(got, tt.asked) {
				t.Errorf("upstream asked %q, want %q", got, tt.asked)
			}
		})
	}
}

func TestServeStopsWhenAListenerFails(t *testing.T) {
	pc, ln := listenLocal(t)
	ln.Close() // Accept fails at once
	err := (&Server{Lookup: lookup}).Serve(context.Background(), pc, ln)
	if err == nil {
		t.Fatal("Serve with a closed listener returned nil, want the listener's error")
	}
}

func TestServeNeedsASocket(t *testing.T) {
	if err := (&Server{}).Serve(context.Background(), nil, nil); err == nil {
		t.Fatal("Serve with no socket returned nil, want an error")
	}
}

func isTCP(w dns.ResponseWriter) bool {
	_, ok := w.RemoteAddr().(*net.TCPAddr)
	return ok
}

// TestServeNotify checks the reply to an opcode the server reads but does
// not implement: NOTIMP with the question, and RD not copied, as miekg/dns's
// Msg.SetReply did.
func TestServeNotify(t *testing.T) {
	udp, _ := serve(t, &Server{Lookup: lookup})
	req := new(dns.Msg)
	req.SetQuestion("db.", dns.TypeA)
	req.Opcode = dns.OpcodeNotify
	resp, _, err := (&dns.Client{Net: "udp"}).Exchange(req, udp)
	if err != nil {
		t.Fatalf("query: %v", err)
	}
	if resp.Rcode != dns.RcodeNotImplemented || resp.Opcode != dns.OpcodeNotify || len(resp.Question) != 1 || resp.RecursionDesired {
		t.Errorf("rcode %s, opcode %s, %d questions, RD %v; want NOTIMP, NOTIFY, 1, no RD",
			dns.RcodeToString[resp.Rcode], dns.OpcodeToString[resp.Opcode], len(resp.Question), resp.RecursionDesired)
	}
}
