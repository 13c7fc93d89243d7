package resolver

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"strings"
	"sync/atomic"

	"golang.org/x/net/dns/dnsmessage"
)

// handler answers queries; it is shared by the UDP and TCP loops.
type handler struct {
	srv  *Server
	fwd  *forwarder
	turn atomic.Uint32 // rotates the order of multi-address answers
}

// request is what the server reads of a query.
type request struct {
	raw     []byte
	hdr     dnsmessage.Header
	q       dnsmessage.Question
	udpSize int // the largest UDP reply the client accepts
}

// respond returns the reply to the query raw, or nil when the query
// deserves none. A reply over UDP is cut down to the client's UDP size.
func (h *handler) respond(ctx context.Context, raw []byte, tcp bool) []byte {
	req, resp := parseRequest(raw)
	if req == nil {
		return resp
	}
	size := maxMsgSize
	if !tcp {
		size = req.udpSize
	}
	resp = h.answer(ctx, req, tcp)
	out, err := fit(resp, size)
	if err != nil {
		// Neither the builder's replies nor the upstream replies the
		// forwarder checked are malformed; should one be, SERVFAIL is
		// safer than passing it on.
		out = reply(req, dnsmessage.RCodeServerFailure)
	}
	return out
}

// parseRequest reads raw with the rules miekg/dns's server applied before:
// no reply to what is not a query at all (a reply would only help
// amplification attacks), NOTIMP to opcodes other than QUERY and NOTIFY,
// FORMERR to anything but one question with at most one answer and one
// authority record (as NOTIFY and IXFR carry) and two additional ones
// (EDNS0, TSIG), or that does not parse. It returns the request, or nil and
// the reply to send instead.
func parseRequest(raw []byte) (*request, []byte) {
	var p dnsmessage.Parser
	hdr, err := p.Start(raw)
	if err != nil || hdr.Response {
		return nil, nil
	}
	if hdr.OpCode != opQuery && hdr.OpCode != opNotify {
		return nil, reject(hdr, hdr.OpCode, dnsmessage.RCodeNotImplemented)
	}
	if count(raw, qdcountOff) != 1 || count(raw, ancountOff) > 1 ||
		count(raw, nscountOff) > 1 || count(raw, arcountOff) > 2 {
		return nil, reject(hdr, opQuery, dnsmessage.RCodeFormatError)
	}
	req := &request{raw: raw, hdr: hdr, udpSize: minUDPSize}
	if req.q, err = p.Question(); err == nil {
		err = skipToAdditionals(&p)
	}
	for err == nil {
		var rh dnsmessage.ResourceHeader
		if rh, err = p.AdditionalHeader(); err != nil {
			break
		}
		if rh.Type == dnsmessage.TypeOPT {
			// An OPT record's class is the client's UDP payload size.
			req.udpSize = int(rh.Class)
		}
		err = p.SkipAdditional()
	}
	if !errors.Is(err, dnsmessage.ErrSectionDone) {
		return nil, reject(hdr, opQuery, dnsmessage.RCodeFormatError)
	}
	return req, nil
}

// The opcodes the server reads; dnsmessage names none.
const (
	opQuery  dnsmessage.OpCode = 0
	opNotify dnsmessage.OpCode = 4
)

func skipToAdditionals(p *dnsmessage.Parser) error {
	if err := p.SkipAllQuestions(); err != nil {
		return err
	}
	if err := p.SkipAllAnswers(); err != nil {
		return err
	}
	return p.SkipAllAuthorities()
}

// reject answers a query the server will not read with just a header.
func reject(req dnsmessage.Header, op dnsmessage.OpCode, rcode dnsmessage.RCode) []byte {
	h := dnsmessage.Header{ID: req.ID, Response: true, OpCode: op, RecursionDesired: req.RecursionDesired, RCode: rcode}
	b := dnsmessage.NewBuilder(make([]byte, 0, headerLen), h)
	msg, _ := b.Finish() // a bare header always packs
	return msg
}

// answer builds the reply to req: from Lookup and Reverse for berth's names
// and addresses, from an upstream for the rest.
func (h *handler) answer(ctx context.Context, req *request, tcp bool) []byte {
	if req.hdr.OpCode != opQuery {
		return reply(req, dnsmessage.RCodeNotImplemented)
	}
	if resp := h.ours(ctx, req); resp != nil {
		return resp
	}
	resp, err := h.fwd.exchange(ctx, req, tcp)
	if err != nil {
		return reply(req, dnsmessage.RCodeServerFailure)
	}
	return resp
}

// ours answers req from Lookup or Reverse, or returns nil when the question
// is not about one of berth's names or addresses.
func (h *handler) ours(ctx context.Context, req *request) []byte {
	q := req.q
	if q.Class != dnsmessage.ClassINET {
		return nil
	}
	switch {
	case (q.Type == dnsmessage.TypeA || q.Type == dnsmessage.TypeAAAA) && h.srv.Lookup != nil:
		ctx, cancel := context.WithTimeout(ctx, lookupTimeout)
		addrs, err := h.srv.Lookup(ctx, normalize(q.Name.String()))
		cancel()
		if err != nil {
			return reply(req, dnsmessage.RCodeServerFailure)
		}
		if len(addrs) > 0 {
			return h.local(req, addrs)
		}
	case q.Type == dnsmessage.TypePTR && h.srv.Reverse != nil:
		ip, ok := reverseAddr(q.Name.String())
		if !ok {
			return nil
		}
		ctx, cancel := context.WithTimeout(ctx, lookupTimeout)
		names, err := h.srv.Reverse(ctx, ip)
		cancel()
		if err != nil {
			return reply(req, dnsmessage.RCodeServerFailure)
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
func pointers(req *request, names []string) []byte {
	b, err := authoritative(req)
	hdr := dnsmessage.ResourceHeader{Name: req.q.Name, Class: dnsmessage.ClassINET, TTL: ttl}
	for _, n := range names {
		if err != nil {
			break
		}
		var ptr dnsmessage.Name
		if ptr, err = dnsmessage.NewName(fqdn(n)); err == nil {
			err = b.PTRResource(hdr, dnsmessage.PTRResource{PTR: ptr})
		}
	}
	return finish(req, b, err)
}

// local answers a question about a known name with the addresses of the
// question's family, starting at a different one each time so that clients
// that take the first address spread over the replicas. A name with no
// address of that family answers NOERROR with no records, as dockerd does:
// NXDOMAIN would tell the client the name does not exist at all.
func (h *handler) local(req *request, addrs []netip.Addr) []byte {
	want4 := req.q.Type == dnsmessage.TypeA
	n := 0
	for _, a := range addrs {
		if a.Unmap().Is4() == want4 {
			n++
		}
	}
	b, err := authoritative(req)
	if n == 0 || err != nil {
		return finish(req, b, err)
	}
	start := int(h.turn.Add(1) % uint32(n))
	hdr := dnsmessage.ResourceHeader{Name: req.q.Name, Class: dnsmessage.ClassINET, TTL: ttl}
	for i := 0; i < len(addrs) && err == nil; i++ {
		a := addrs[(start+i)%len(addrs)].Unmap()
		switch {
		case want4 && a.Is4():
			err = b.AResource(hdr, dnsmessage.AResource{A: a.As4()})
		case !want4 && a.Is6():
			err = b.AAAAResource(hdr, dnsmessage.AAAAResource{AAAA: a.As16()})
		}
	}
	return finish(req, b, err)
}

// authoritative starts a NOERROR answer from the server's own records, ready
// for its answer records.
func authoritative(req *request) (*dnsmessage.Builder, error) {
	h := replyHeader(req, dnsmessage.RCodeSuccess)
	h.Authoritative = true
	b, err := start(req, h)
	if err == nil {
		err = b.StartAnswers()
	}
	return b, err
}

// finish packs b, or answers SERVFAIL when building it failed: a name from
// Lookup or Reverse too long for DNS, say.
func finish(req *request, b *dnsmessage.Builder, err error) []byte {
	var msg []byte
	if err == nil {
		msg, err = b.Finish()
	}
	if err != nil {
		return reply(req, dnsmessage.RCodeServerFailure)
	}
	return msg
}

// reply is a bare answer to req with rcode.
func reply(req *request, rcode dnsmessage.RCode) []byte {
	b, err := start(req, replyHeader(req, rcode))
	var msg []byte
	if err == nil {
		msg, err = b.Finish()
	}
	if err != nil {
		// The question did not pack again (dnsmessage splits a label that
		// holds a dot): answer with the header alone.
		return reject(req.hdr, req.hdr.OpCode, rcode)
	}
	return msg
}

// replyHeader is the header of a reply to req, with its bits as miekg/dns's
// Msg.SetReply set them, and RA: dig and some stub resolvers warn without it.
func replyHeader(req *request, rcode dnsmessage.RCode) dnsmessage.Header {
	h := dnsmessage.Header{ID: req.hdr.ID, Response: true, OpCode: req.hdr.OpCode, RecursionAvailable: true, RCode: rcode}
	if req.hdr.OpCode == opQuery {
		h.RecursionDesired = req.hdr.RecursionDesired
		h.CheckingDisabled = req.hdr.CheckingDisabled
	}
	return h
}

// start begins a reply with h and req's question.
func start(req *request, h dnsmessage.Header) (*dnsmessage.Builder, error) {
	b := dnsmessage.NewBuilder(make([]byte, 0, minUDPSize), h)
	b.EnableCompression()
	if err := b.StartQuestions(); err != nil {
		return nil, err
	}
	if err := b.Question(req.q); err != nil {
		return nil, err
	}
	return &b, nil
}

// normalize turns a question name into Lookup's form: lower case, no
// trailing dot. DNS names compare case-insensitively.
func normalize(name string) string {
	return strings.ToLower(strings.TrimSuffix(name, "."))
}

func fqdn(name string) string {
	if strings.HasSuffix(name, ".") {
		return name
	}
	return name + "."
}
