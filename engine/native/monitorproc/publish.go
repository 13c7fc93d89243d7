package monitorproc

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"

	"github.com/berth-dev/berth/engine/native/portproxy"
	"github.com/berth-dev/berth/engine/native/resolver"
)

// publish proxies the container's published ports to its address on its
// first network.
func publish(ctx context.Context, c *Record) ([]io.Closer, error) {
	if len(c.Ports) == 0 {
		return nil, nil
	}
	if len(c.Networks) == 0 {
		return nil, fmt.Errorf("container %s publishes ports but is on no network", c.Name)
	}
	target := c.Networks[0].Addr.Addr()
	var out []io.Closer
	for _, p := range c.Ports {
		pm := portproxy.PortMap{HostPort: p.HostPort, Proto: p.Protocol, Target: netip.AddrPortFrom(target, p.ContainerPort)}
		if p.HostIP != "" {
			ip, err := netip.ParseAddr(p.HostIP)
			if err != nil {
				return out, fmt.Errorf("container %s: host_ip %q: %w", c.Name, p.HostIP, err)
			}
			pm.HostIP = ip
		}
		cl, err := portproxy.Publish(ctx, pm)
		if err != nil {
			return out, fmt.Errorf("container %s: publish port %d/%s: %w", c.Name, p.HostPort, p.Protocol, err)
		}
		out = append(out, cl)
	}
	return out, nil
}

// upstreams is where the embedded DNS forwards names that are not the
// project's: the service's dns servers, else the host's.
func upstreams(dns []string) []string {
	if len(dns) > 0 {
		out := make([]string, 0, len(dns))
		for _, d := range dns {
			out = append(out, net.JoinHostPort(d, "53"))
		}
		return out
	}
	b, err := os.ReadFile("/etc/resolv.conf")
	if err != nil {
		return nil
	}
	return resolver.Upstreams(b)
}
