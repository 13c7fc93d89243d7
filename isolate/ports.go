package isolate

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/compose-spec/compose-go/v2/types"
)

// Rewritten is one fixed host port that RewritePorts made ephemeral.
type Rewritten struct {
	Service string
	// Target is the container port.
	Target   uint32
	Protocol string // tcp, udp or sctp
	HostIP   string // kept as written; "" is every interface
	// Published is the host port as the file has it: "8080", or a range
	// such as "8000-8010" when the file gives one container port a choice.
	Published string
}

// String reads like the short syntax: "web: 127.0.0.1:8080:80/tcp".
func (r Rewritten) String() string {
	host := r.Published
	if r.HostIP != "" {
		host = r.HostIP + ":" + host
	}
	return fmt.Sprintf("%s: %s:%d/%s", r.Service, host, r.Target, r.Protocol)
}

// RewritePorts returns a copy of p in which every service port with a host
// port publishes on one the engine picks instead: published becomes "",
// host_ip, protocol, mode, name and app_protocol stay. Ports that name no
// host port (`- "80"`) are already ephemeral and stay as they are, and so
// does expose. The list says what changed, sorted by service and in file
// order within one. When nothing had a fixed host port the list is empty
// and p comes back as is; p itself is never changed.
//
// Short-syntax ranges were expanded by the loader into one port each
// ("8000-8001:80-81" is 8000:80 and 8001:81) and are rewritten one by one;
// a host range for one container port ("8000-8010:80") becomes one
// ephemeral port.
func RewritePorts(p *types.Project) (*types.Project, []Rewritten) {
	var rewritten []Rewritten
	for _, name := range p.ServiceNames() {
		for _, port := range p.Services[name].Ports {
			if port.Published == "" {
				continue
			}
			rewritten = append(rewritten, Rewritten{
				Service:   name,
				Target:    port.Target,
				Protocol:  cmp.Or(port.Protocol, "tcp"),
				HostIP:    port.HostIP,
				Published: port.Published,
			})
		}
	}
	if len(rewritten) == 0 {
		return p, nil
	}
	// WithServicesTransform copies p deeply before the transform sees a
	// service, so editing the port slice here leaves p alone; it returns
	// an error only when the transform does, and this one never does.
	out, _ := p.WithServicesTransform(func(_ string, s types.ServiceConfig) (types.ServiceConfig, error) {
		if !slices.ContainsFunc(s.Ports, func(port types.ServicePortConfig) bool { return port.Published != "" }) {
			return s, nil
		}
		ports := slices.Clone(s.Ports)
		for i := range ports {
			ports[i].Published = ""
		}
		s.Ports = ports
		return s, nil
	})
	return out, rewritten
}
