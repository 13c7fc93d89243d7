package isolate

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
)

// Codes name the kinds of [Finding]; they are stable, for --format json.
const (
	CodeContainerName  = "container-name"
	CodeFixedPort      = "fixed-host-port"
	CodeHostNetwork    = "host-network"
	CodeExternalNet    = "external-network"
	CodeNamedNetwork   = "named-network"
	CodeFixedSubnet    = "fixed-subnet"
	CodeExternalVolume = "external-volume"
	CodeNamedVolume    = "named-volume"
)

// ErrNotIsolated is what the error [Fail] returns matches.
var ErrNotIsolated = errors.New("the stack shares resources with parallel copies of itself")

// Finding is one part of a project that two copies of the stack on one
// engine would share or fight over, whatever their project names.
type Finding struct {
	Code string `json:"code"`
	// Service is empty for a top-level network or volume.
	Service string `json:"service,omitempty"`
	// Key is the path in the file: "services.web.container_name",
	// "networks.shared.external".
	Key string `json:"key"`
	// Message says what collides and what to do, in one sentence.
	Message string `json:"message"`
}

func (f Finding) String() string { return f.Key + ": " + f.Message }

// Lint lists what keeps p from running beside copies of itself: services
// in name order (container_name, network_mode, then ports in file order),
// then networks and volumes in name order. Pass rewritten when the caller publishes p's ports through
// [RewritePorts] (or p already is its result): fixed host ports are then
// no finding. Networks and volumes count only when a service uses them,
// as only those are created.
func Lint(p *types.Project, rewritten bool) []Finding {
	var out []Finding
	add := func(code, service, key, format string, args ...any) {
		out = append(out, Finding{Code: code, Service: service, Key: key, Message: fmt.Sprintf(format, args...)})
	}
	usedNets, usedVols := map[string]bool{}, map[string]bool{}
	for _, name := range p.ServiceNames() {
		s := p.Services[name]
		key := "services." + name
		if s.ContainerName != "" {
			add(CodeContainerName, name, key+".container_name",
				"container name %q is the same in every copy of the stack, so a second one cannot create it: remove container_name and reach the service by its name %q", s.ContainerName, name)
		}
		if s.NetworkMode == "host" {
			add(CodeHostNetwork, name, key+".network_mode",
				"with network_mode: host every copy listens on the host's own ports and they collide: use the default network with ports the engine picks (\"- \\\"80\\\"\")")
		}
		if !rewritten {
			for i, port := range s.Ports {
				if port.Published == "" {
					continue
				}
				add(CodeFixedPort, name, fmt.Sprintf("%s.ports[%d]", key, i),
					"host port %s is fixed, so a second copy of the stack fails to bind it: let berth rewrite it (drop --keep-ports) or publish the container port %d alone", port.Published, port.Target)
			}
		}
		for n := range s.Networks {
			usedNets[n] = true
		}
		if len(s.Networks) == 0 && s.NetworkMode == "" {
			usedNets["default"] = true
		}
		for _, v := range s.Volumes {
			if v.Type == types.VolumeTypeVolume && v.Source != "" {
				usedVols[v.Source] = true
			}
		}
	}
	for _, name := range sortedKeys(p.Networks) {
		n := p.Networks[name]
		if !usedNets[name] {
			continue
		}
		key := "networks." + name
		switch {
		case bool(n.External):
			add(CodeExternalNet, "", key+".external",
				"external network %q is shared by every copy of the stack, which then see each other's containers: drop external and let each project create its own", n.Name)
		case n.Name != "" && n.Name != p.Name+"_"+name:
			add(CodeNamedNetwork, "", key+".name",
				"network name %q does not follow the project name, so every copy of the stack uses the same network: remove name", n.Name)
		}
		for i, c := range n.Ipam.Config {
			if c.Subnet != "" {
				add(CodeFixedSubnet, "", fmt.Sprintf("%s.ipam.config[%d].subnet", key, i),
					"subnet %s is fixed, so a second copy of the stack cannot create its network (the pools overlap): remove it and let berth pick one from BERTH_SUBNET_POOL", c.Subnet)
			}
		}
	}
	for _, name := range sortedKeys(p.Volumes) {
		v := p.Volumes[name]
		if !usedVols[name] {
			continue
		}
		key := "volumes." + name
		switch {
		case bool(v.External):
			add(CodeExternalVolume, "", key+".external",
				"external volume %q is shared by every copy of the stack, which then read and write the same data: drop external and let each project create its own", v.Name)
		case v.Name != "" && v.Name != p.Name+"_"+name:
			add(CodeNamedVolume, "", key+".name",
				"volume name %q does not follow the project name, so every copy of the stack uses the same data: remove name", v.Name)
		}
	}
	return out
}

// Fail is nil for no findings, else one error that lists them all and
// matches [ErrNotIsolated], for callers that refuse to start (--strict).
func Fail(findings []Finding) error {
	if len(findings) == 0 {
		return nil
	}
	lines := make([]string, len(findings))
	for i, f := range findings {
		lines[i] = "  " + f.String()
	}
	return fmt.Errorf("%w:\n%s", ErrNotIsolated, strings.Join(lines, "\n"))
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
