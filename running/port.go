package running

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/berth-dev/berth/engine"
)

// PortQuery names a container port of a service.
type PortQuery struct {
	Service  string
	Port     uint16
	Protocol string // tcp, udp or sctp; "" is tcp
	// Index picks the replica by container number; 0 is the lowest.
	Index int
}

// Port returns where q's port is published, as HOST_IP:PORT, among the
// running containers of the project in cs. One-off containers count, after
// the service's own, as in compose. A port that is only exposed is not
// published: it fails like an unknown one, naming the ports there are.
func Port(cs []engine.Container, q PortQuery) (string, error) {
	proto := cmp.Or(strings.ToLower(q.Protocol), "tcp")
	var candidates []engine.Container
	for _, c := range cs {
		if c.Labels[engine.LabelService] != q.Service || !isUp(c) {
			continue
		}
		if q.Index > 0 && number(c) != q.Index {
			continue
		}
		candidates = append(candidates, c)
	}
	if len(candidates) == 0 {
		if q.Index > 0 {
			return "", fmt.Errorf("service %q is not running container #%d", q.Service, q.Index)
		}
		return "", fmt.Errorf("service %q is not running", q.Service)
	}
	slices.SortStableFunc(candidates, func(a, b engine.Container) int {
		if oa, ob := oneoff(a), oneoff(b); oa != ob {
			if oa {
				return 1
			}
			return -1
		}
		return cmp.Compare(number(a), number(b))
	})
	c := candidates[0]
	var have []string
	for _, p := range c.Ports {
		if p.ContainerPort == q.Port && p.Protocol == proto && p.HostPort != 0 {
			// The engine binds every interface when the file names none.
			return fmt.Sprintf("%s:%d", cmp.Or(p.HostIP, "0.0.0.0"), p.HostPort), nil
		}
		// An IPv4 and an IPv6 binding of one port are one port here.
		if p := fmt.Sprintf("%d/%s", p.ContainerPort, p.Protocol); !slices.Contains(have, p) {
			have = append(have, p)
		}
	}
	return "", fmt.Errorf("no port %d/%s for container %s: %s", q.Port, proto, c.Name, strings.Join(have, ", "))
}

// isUp reports whether the engine lists c without --all: running, paused
// or restarting.
func isUp(c engine.Container) bool {
	switch c.State {
	case "running", "paused", "restarting":
		return true
	}
	return false
}

func oneoff(c engine.Container) bool { return c.Labels[engine.LabelOneoff] == "True" }

func number(c engine.Container) int {
	n, _ := strconv.Atoi(c.Labels[engine.LabelNumber])
	return n
}
