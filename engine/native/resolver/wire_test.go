package resolver

import (
	"net"
	"testing"

	"github.com/miekg/dns"
	"golang.org/x/net/dns/dnsmessage"
)

// manyAnswers packs a reply to "web. A" with n A records, and an OPT record
// announcing a UDP size of 1232 when edns is set.
func manyAnswers(t *testing.T, n int, edns bool) []byte {
	t.Helper()
	m := new(dns.Msg)
	m.SetQuestion("web.", dns.TypeA)
	m.Response = true
	for i := range n {
		m.Answer = append(m.Answer, &dns.A{
			Hdr: dns.RR_Header{Name: "web.", Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 600},
			A:   net.IPv4(10, 199, 4, byte(i)),
		})
	}
	if edns {
		m.SetEdns0(1232, true)
	}
	m.Compress = true
	b, err := m.Pack()
	if err != nil {
		t.Fatalf("packing %d answers: %v", n, err)
	}
	return b
}

func TestFit(t *testing.T) {
	tests := []struct {
		name        string
		msg         []byte
		size        int
		wantAnswers int
		wantTC      bool
		wantEDNS    bool
	}{
		// Each compressed A record is 16 bytes after 21 of header and question.
		{name: "fits", msg: manyAnswers(t, 3, false), size: 512, wantAnswers: 3},
		{name: "cut at the size", msg: manyAnswers(t, 100, false), size: 512, wantAnswers: 30, wantTC: true},
		{name: "below 512 counts as 512", msg: manyAnswers(t, 100, false), size: 100, wantAnswers: 30, wantTC: true},
		{name: "a larger size keeps more", msg: manyAnswers(t, 100, false), size: 1232, wantAnswers: 75, wantTC: true},
		// The OPT record (11 bytes) stays, and its room comes off the answers.
		{name: "OPT kept", msg: manyAnswers(t, 100, true), size: 512, wantAnswers: 30, wantTC: true, wantEDNS: true},
		{name: "OPT kept, fits", msg: manyAnswers(t, 2, true), size: 512, wantAnswers: 2, wantEDNS: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := fit(tt.msg, tt.size)
			if err != nil {
				t.Fatalf("fit: %v", err)
			}
			if len(out) > max(tt.size, 512) {
				t.Errorf("fit gave %d bytes, more than %d", len(out), max(tt.size, 512))
			}
			m := new(dns.Msg)
			if err := m.Unpack(out); err != nil {
				t.Fatalf("unpacking the cut message: %v", err)
			}
			if len(m.Answer) != tt.wantAnswers || m.Truncated != tt.wantTC {
				t.Errorf("%d answers, TC %v; want %d, TC %v", len(m.Answer), m.Truncated, tt.wantAnswers, tt.wantTC)
			}
			if got := m.IsEdns0() != nil; got != tt.wantEDNS {
				t.Errorf("EDNS0 record present = %v, want %v", got, tt.wantEDNS)
			}
		})
	}
}

func TestFitMalformed(t *testing.T) {
	msg := manyAnswers(t, 100, false)
	if _, err := fit(msg[:len(msg)-5], 512); err == nil {
		t.Error("fit of a message cut mid-record returned no error")
	}
}

// rawQuery packs a query for "web. A" and lets edit change it first.
func rawQuery(t *testing.T, edit func(m *dns.Msg)) []byte {
	t.Helper()
	m := new(dns.Msg)
	m.SetQuestion("web.", dns.TypeA)
	m.Id = 4242
	edit(m)
	b, err := m.Pack()
	if err != nil {
		t.Fatalf("packing the query: %v", err)
	}
	return b
}

func TestParseRequest(t *testing.T) {
	tests := []struct {
		name    string
		raw     []byte
		reply   bool // a reply instead of a request
		rcode   int
		opcode  int
		udpSize int
	}{
		{name: "plain query", raw: rawQuery(t, func(*dns.Msg) {}), udpSize: 512},
		{name: "EDNS0 size", raw: rawQuery(t, func(m *dns.Msg) { m.SetEdns0(4096, false) }), udpSize: 4096},
		{name: "shorter than a header", raw: []byte{1, 2, 3}},
		{name: "a response", raw: rawQuery(t, func(m *dns.Msg) { m.Response = true })},
		{name: "UPDATE", raw: rawQuery(t, func(m *dns.Msg) { m.Opcode = dns.OpcodeUpdate }),
			reply: true, rcode: dns.RcodeNotImplemented, opcode: dns.OpcodeUpdate},
		{name: "two questions", raw: rawQuery(t, func(m *dns.Msg) { m.Question = append(m.Question, m.Question[0]) }),
			reply: true, rcode: dns.RcodeFormatError},
		{name: "no question", raw: rawQuery(t, func(m *dns.Msg) { m.Question = nil }),
			reply: true, rcode: dns.RcodeFormatError},
		{name: "cut short", raw: rawQuery(t, func(*dns.Msg) {})[:headerLen+3],
			reply: true, rcode: dns.RcodeFormatError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, resp := parseRequest(tt.raw)
			if !tt.reply && tt.udpSize == 0 {
				if req != nil || resp != nil {
					t.Fatalf("got request %v and reply %v, want the query dropped", req != nil, resp != nil)
				}
				return
			}
			if tt.reply {
				m := new(dns.Msg)
				if req != nil || m.Unpack(resp) != nil {
					t.Fatalf("got request %v and reply %x, want a reply", req != nil, resp)
				}
				if m.Id != 4242 || !m.Response || m.Rcode != tt.rcode || m.Opcode != tt.opcode {
					t.Errorf("reply id %d, QR %v, rcode %s, opcode %s; want id 4242, QR, %s, %s", m.Id, m.Response,
						dns.RcodeToString[m.Rcode], dns.OpcodeToString[m.Opcode], dns.RcodeToString[tt.rcode], dns.OpcodeToString[tt.opcode])
				}
				return
			}
			if req == nil {
				t.Fatalf("got no request, reply %x", resp)
			}
			if req.udpSize != tt.udpSize || req.q.Type != dnsmessage.TypeA || req.q.Name.String() != "web." {
				t.Errorf("request for %s %v with UDP size %d, want web. A with %d", req.q.Name, req.q.Type, req.udpSize, tt.udpSize)
			}
		})
	}
}
