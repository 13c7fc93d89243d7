package docker

import (
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"

	"github.com/berth-dev/berth/engine"
)

// fromSummary fills an engine.Container from one list entry, without any
// further call.
func fromSummary(c container.Summary) engine.Container {
	out := engine.Container{
		ID:      c.ID,
		Image:   c.Image,
		ImageID: c.ImageID,
		Command: c.Command,
		Labels:  c.Labels,
		State:   string(c.State),
		Status:  c.Status,
		Created: time.Unix(c.Created, 0).UTC(),
	}
	if len(c.Names) > 0 {
		// A list entry carries one name per link pointing at the container
		// ("/web-1/db" on legacy links); the container's own name has no
		// further slash.
		out.Name = strings.TrimPrefix(c.Names[0], "/")
		for _, n := range c.Names {
			if n = strings.TrimPrefix(n, "/"); !strings.Contains(n, "/") {
				out.Name = n
				break
			}
		}
	}
	if c.Health != nil && c.Health.Status != container.NoHealthcheck {
		out.Health = string(c.Health.Status)
	} else {
		out.Health = healthFromStatus(c.Status)
	}
	if out.State == string(container.StateExited) {
		out.ExitCode = exitCodeFromStatus(c.Status)
	}
	if c.NetworkSettings != nil {
		out.Networks = endpoints(c.NetworkSettings.Networks)
	}
	for _, p := range c.Ports {
		port := engine.Port{HostPort: p.PublicPort, ContainerPort: p.PrivatePort, Protocol: p.Type}
		if p.IP.IsValid() {
			port.HostIP = p.IP.String()
		}
		out.Ports = append(out.Ports, port)
	}
	sortPorts(out.Ports)
	out.Mounts = mounts(c.Mounts)
	return out
}

// fromInspect fills an engine.Container from an inspect response, whose
// state (health, exit code) is current.
func fromInspect(c container.InspectResponse) engine.Container {
	out := engine.Container{
		ID:      c.ID,
		Name:    strings.TrimPrefix(c.Name, "/"),
		ImageID: c.Image,
		Command: strings.TrimSpace(c.Path + " " + strings.Join(c.Args, " ")),
		// Restarts explain a flapping service in berth ci's report.
		RestartCount: c.RestartCount,
	}
	if t, err := time.Parse(time.RFC3339Nano, c.Created); err == nil {
		out.Created = t.UTC()
	}
	if c.Config != nil {
		out.Image = c.Config.Image
		out.Labels = c.Config.Labels
	}
	if st := c.State; st != nil {
		out.State = string(st.Status)
		out.ExitCode = st.ExitCode
		if st.Health != nil && st.Health.Status != container.NoHealthcheck {
			out.Health = string(st.Health.Status)
		}
		// Inspect has no human status; give the same shape as a list's.
		out.Status = string(st.Status)
		if st.Status == container.StateExited {
			out.Status = "Exited (" + strconv.Itoa(st.ExitCode) + ")"
		}
		if out.Health != "" {
			out.Status += " (" + out.Health + ")"
		}
	}
	if ns := c.NetworkSettings; ns != nil {
		out.Networks = endpoints(ns.Networks)
		for port, bindings := range ns.Ports {
			if len(bindings) == 0 {
				out.Ports = append(out.Ports, engine.Port{ContainerPort: port.Num(), Protocol: string(port.Proto())})
			}
			for _, b := range bindings {
				p := engine.Port{ContainerPort: port.Num(), Protocol: string(port.Proto())}
				if b.HostIP.IsValid() {
					p.HostIP = b.HostIP.String()
				}
				if n, err := strconv.ParseUint(b.HostPort, 10, 16); err == nil {
					p.HostPort = uint16(n)
				}
				out.Ports = append(out.Ports, p)
			}
		}
		sortPorts(out.Ports)
	}
	out.Mounts = mounts(c.Mounts)
	return out
}

func endpoints(nets map[string]*network.EndpointSettings) map[string]engine.Endpoint {
	if len(nets) == 0 {
		return nil
	}
	out := make(map[string]engine.Endpoint, len(nets))
	for name, ep := range nets {
		if ep == nil {
			out[name] = engine.Endpoint{}
			continue
		}
		e := engine.Endpoint{NetworkID: ep.NetworkID, Aliases: ep.Aliases}
		if ep.IPAddress.IsValid() {
			e.IPAddress = ep.IPAddress.String()
		}
		out[name] = e
	}
	return out
}

func mounts(in []container.MountPoint) []engine.Mount {
	var out []engine.Mount
	for _, m := range in {
		out = append(out, engine.Mount{
			Type:        string(m.Type),
			Name:        m.Name,
			Source:      m.Source,
			Destination: m.Destination,
			ReadOnly:    !m.RW,
		})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Destination < out[j].Destination })
	return out
}

func sortPorts(p []engine.Port) {
	sort.Slice(p, func(i, j int) bool {
		a, b := p[i], p[j]
		if a.ContainerPort != b.ContainerPort {
			return a.ContainerPort < b.ContainerPort
		}
		if a.Protocol != b.Protocol {
			return a.Protocol < b.Protocol
		}
		if a.HostIP != b.HostIP {
			return a.HostIP < b.HostIP
		}
		return a.HostPort < b.HostPort
	})
}

// healthFromStatus reads the health the engine appends to a list entry's
// status: "Up 5 seconds (healthy)", "(unhealthy)", "(health: starting)".
// Engines before API 1.52 put it nowhere else in a list.
func healthFromStatus(status string) string {
	switch {
	case strings.HasSuffix(status, "(healthy)"):
		return "healthy"
	case strings.HasSuffix(status, "(unhealthy)"):
		return "unhealthy"
	case strings.HasSuffix(status, "(health: starting)"):
		return "starting"
	}
	return ""
}

// Compiled on first use, as the other patterns of this package: every
// berth process links them, a native engine's monitors included, and
// most never match one.
var exitedStatus = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^Exited \((-?\d+)\)`) })

// exitCodeFromStatus reads N from "Exited (N) 3 seconds ago".
func exitCodeFromStatus(status string) int {
	m := exitedStatus().FindStringSubmatch(status)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}
