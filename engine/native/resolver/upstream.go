package resolver

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/miekg/dns"
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
	udp, tcp  dns.Client
}

func newForwarder(upstreams []string) *forwarder {
	return &forwarder{
		upstreams: upstreams,
		udp:       dns.Client{Net: "udp", Timeout: upstreamTimeout},
		tcp:       dns.Client{Net: "tcp", Timeout: upstreamTimeout},
	}
}

var errNoUpstream = errors.New("no upstream resolver configured")

// exchange asks each upstream in turn until one answers with anything but
// SERVFAIL. A query that came over TCP goes over TCP; one over UDP goes
// over UDP and is asked again over TCP when the answer was truncated, so
// that the client gets as much as its own UDP size allows.
func (f *forwarder) exchange(ctx context.Context, req *dns.Msg, tcp bool) (*dns.Msg, error) {
	err := errNoUpstream
	for _, up := range f.upstreams {
		var resp *dns.Msg
		resp, err = f.ask(ctx, req, up, tcp)
		if err == nil && resp.Rcode != dns.RcodeServerFailure {
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

func (f *forwarder) ask(ctx context.Context, req *dns.Msg, upstream string, tcp bool) (*dns.Msg, error) {
	c := &f.udp
	if tcp {
		c = &f.tcp
	}
	resp, _, err := c.ExchangeContext(ctx, req, upstream)
	if err == nil && resp.Truncated && !tcp {
		resp, _, err = f.tcp.ExchangeContext(ctx, req, upstream)
	}
	return resp, err
}
