package running

import (
	"cmp"
	"slices"

	"github.com/berth-dev/berth/engine"
)

// Binding is one published port of one service container: where a client
// on the host reaches the container's port. Its JSON keys are those of
// `berth port --all --format json`; they are stable.
type Binding struct {
	Service string `json:"service"`
	// Index is the replica's container number (com.docker.compose.container-number).
	Index         int    `json:"index"`
	Container     string `json:"container"`
	ContainerPort uint16 `json:"container_port"`
	Protocol      string `json:"protocol"`
	// HostIP is the address the engine bound; "0.0.0.0" or "::" when every
	// interface.
	HostIP   string `json:"host_ip"`
	HostPort uint16 `json:"host_port"`
}

// Published lists every published port of the running service containers
// in cs, sorted by service, index, container port, protocol and host IP.
// One-off containers (run) are left out: their numbers are not replicas
// and they publish only under --service-ports. A port that is only exposed
// has no binding. An engine that binds a port on IPv4 and IPv6 gives two
// bindings.
func Published(cs []engine.Container) []Binding {
	var out []Binding
	for _, c := range cs {
		if oneoff(c) || !isUp(c) || c.Labels[engine.LabelService] == "" {
			continue
		}
		for _, p := range c.Ports {
			if p.HostPort == 0 {
				continue
			}
			out = append(out, Binding{
				Service:       c.Labels[engine.LabelService],
				Index:         number(c),
				Container:     c.Name,
				ContainerPort: p.ContainerPort,
				Protocol:      cmp.Or(p.Protocol, "tcp"),
				// The engine binds every interface when the file names none.
				HostIP:   cmp.Or(p.HostIP, "0.0.0.0"),
				HostPort: p.HostPort,
			})
		}
	}
	slices.SortFunc(out, func(a, b Binding) int {
		return cmp.Or(
			cmp.Compare(a.Service, b.Service),
			cmp.Compare(a.Index, b.Index),
			cmp.Compare(a.ContainerPort, b.ContainerPort),
			cmp.Compare(a.Protocol, b.Protocol),
			cmp.Compare(a.HostIP, b.HostIP),
			cmp.Compare(a.HostPort, b.HostPort),
		)
	})
	return out
}
