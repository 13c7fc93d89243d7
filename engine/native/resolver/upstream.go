package resolver

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strings"
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

// upstreamTimeout bounds one exchange with one upstream. Two upstreams that
// both time out still answer SERVFAIL before a glibc or musl client gives up
// on its first try (5s).
const upstreamTimeout = 2 * time.Second

// defaultUpstreams are Docker's fallback when the host's resolv.conf names
// no usable nameserver.
var defaultUpstreams = [...]string{"8.8.8.8:53", "8.8.4.4:53"}

// Upstreams returns the "ip:53" addresses of the nameserver lines of a
// resolv.conf, in order, IPv6 ones in brackets. When there is none it
// returns Google's public resolvers, as Docker does. Loopback nameservers
// (systemd-resolved's 127.0.0.53) are kept: the server forwards from the
// host's network namespace, where they answer.
func Upstreams(resolvConf []byte) []string {
	var ups []string
	sc := bufio.NewScanner(bytes.NewReader(resolvConf))
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 || fields[0] != "nameserver" {
			continue
		}
		addr, err := netip.ParseAddr(fields[1])
		if err != nil {
			continue // glibc ignores what it cannot parse too
		}
		ups = append(ups, netip.AddrPortFrom(addr, 53).String())
	}
	if len(ups) == 0 {
		return defaultUpstreams[:]
	}
	return ups
}

// forwarder sends the queries the server does not answer itself to the
// upstream resolvers.
type forwarder struct {
	upstreams []string
	dialer    net.Dialer
}

var errNoUpstream = errors.New("no upstream resolver configured")

// exchange asks each upstream in turn until one answers with anything but
// SERVFAIL. A query that came over TCP goes over TCP; one over UDP goes
// over UDP and is asked again over TCP when the answer was truncated, so
// that the client gets as much as its own UDP size allows.
func (f *forwarder) exchange(ctx context.Context, req *request, tcp bool) ([]byte, error) {
	err := errNoUpstream
	for _, up := range f.upstreams {
		var resp []byte
		resp, err = f.ask(ctx, req, up, tcp)
		if err == nil && resp[flagsOff+1]&rcodeMask != byte(dnsmessage.RCodeServerFailure) {
			return resp, nil
		}
		if err == nil {
			err = fmt.Errorf("%s answered SERVFAIL", up)
		}
		if ctx.Err() != nil {
			break
		}
	}
	return nil, err
}

func (f *forwarder) ask(ctx context.Context, req *request, upstream string, tcp bool) ([]byte, error) {
	if tcp {
		return f.roundTrip(ctx, req, "tcp", upstream)
	}
	resp, err := f.roundTrip(ctx, req, "udp", upstream)
	if errors.Is(err, errCut) || err == nil && resp[flagsOff]&tcBit != 0 {
		resp, err = f.roundTrip(ctx, req, "tcp", upstream)
	}
	return resp, err
}

// roundTrip sends req's query to upstream over network and returns the
// reply, checked to be a well-formed answer to it.
func (f *forwarder) roundTrip(ctx context.Context, req *request, network, upstream string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, upstreamTimeout)
	defer cancel()
	conn, err := f.dialer.DialContext(ctx, network, upstream)
	if err != nil {
		return nil, fmt.Errorf("asking %s: %w", upstream, err)
	}
	defer conn.Close()
	// Closing the connection is what ends a read when the server shuts
	// down before the deadline.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	if d, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(d) // a failure shows up as the read's error
	}
	var resp []byte
	if network == "tcp" {
		resp, err = exchangeTCP(conn, req.raw)
	} else {
		resp, err = exchangeUDP(conn, req)
	}
	if err != nil {
		return nil, fmt.Errorf("asking %s over %s: %w", upstream, network, err)
	}
	if _, err := parseLayout(resp); err != nil {
		return nil, fmt.Errorf("reply from %s over %s: %w", upstream, network, err)
	}
	return resp, nil
}

// errCut is an upstream's UDP answer larger than the client announced it
// can take: the read may have cut it, so it is asked for again over TCP.
var errCut = errors.New("UDP answer larger than the client's UDP size")

// exchangeUDP sends req on conn and reads until the answer to it comes:
// conn is connected, so only the upstream can send to it, but a late answer
// to an earlier query is skipped.
func exchangeUDP(conn net.Conn, req *request) ([]byte, error) {
	if _, err := conn.Write(req.raw); err != nil {
		return nil, err
	}
	buf := make([]byte, max(req.udpSize, minUDPSize)+1)
	for {
		n, err := conn.Read(buf)
		if err != nil {
			return nil, err
		}
		if n == len(buf) {
			return nil, errCut
		}
		if isAnswerTo(buf[:n], req.raw) {
			return buf[:n], nil
		}
	}
}

// exchangeTCP sends query on conn and reads the answer, each with its
// 2-byte length prefix.
func exchangeTCP(conn net.Conn, query []byte) ([]byte, error) {
	msg := make([]byte, 2, 2+len(query))
	binary.BigEndian.PutUint16(msg, uint16(len(query)))
	if _, err := conn.Write(append(msg, query...)); err != nil {
		return nil, err
	}
	resp, err := readTCP(conn)
	if err != nil {
		return nil, err
	}
	if !isAnswerTo(resp, query) {
		return nil, errors.New("the answer does not match the query's ID")
	}
	return resp, nil
}

// readTCP reads one length-prefixed DNS message from r.
func readTCP(r io.Reader) ([]byte, error) {
	var n [2]byte
	if _, err := io.ReadFull(r, n[:]); err != nil {
		return nil, err
	}
	msg := make([]byte, binary.BigEndian.Uint16(n[:]))
	if _, err := io.ReadFull(r, msg); err != nil {
		return nil, err
	}
	return msg, nil
}

// isAnswerTo reports whether resp is a response with query's ID.
func isAnswerTo(resp, query []byte) bool {
	return len(resp) >= headerLen && resp[0] == query[0] && resp[1] == query[1] && resp[flagsOff]&0x80 != 0
}
