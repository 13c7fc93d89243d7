package isolate

import (
	"strconv"
	"strings"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/running"
)

// PortEnv maps where the engine published each service port, for a test
// run to read, from the project's containers as listed after up:
//
//	BERTH_PORT_<SERVICE>_<PORT>=49153     the host port
//	BERTH_HOST_<SERVICE>_<PORT>=127.0.0.1 the host address to dial it on
//
// <SERVICE> is the service name upper-cased with every character other
// than A-Z and 0-9 made "_"; <PORT> is the container port. A udp or sctp
// port has the suffix _UDP or _SCTP (BERTH_PORT_DNS_53_UDP); tcp has none.
// The plain names give the lowest-numbered replica; when more than one
// replica publishes the port, every replica N also gets the suffix _<N>
// (BERTH_PORT_WEB_80_2). A port bound on both IPv4 and IPv6 gives the
// IPv4 binding; one container port published twice gives the first by
// host address, then host port.
//
// BERTH_HOST is the bound address, except that every interface (0.0.0.0)
// gives 127.0.0.1 and every IPv6 interface (::) gives ::1: the address a
// client on the engine's host dials. Should two names coincide (services
// "web" and "WEB", or "web" replica 1 and "web_80" port 1), plain names go
// before replica ones and services in name order, and the first one keeps
// the name.
//
// Only running service containers count (see [running.Published]); a
// port that is only exposed has no variable.
func PortEnv(containers []engine.Container) map[string]string {
	type key struct {
		service  string
		port     uint16
		protocol string
	}
	// Published sorts by service, index, port, protocol and host IP, so
	// the first binding seen of a key is its lowest replica.
	var order []key
	replicas := map[key][]running.Binding{}
	for _, b := range running.Published(containers) {
		k := key{b.Service, b.ContainerPort, b.Protocol}
		have := replicas[k]
		switch {
		case len(have) == 0:
			order = append(order, k)
		case have[len(have)-1].Index == b.Index:
			if preferred(have[len(have)-1], b) {
				have[len(have)-1] = b
			}
			continue
		}
		replicas[k] = append(have, b)
	}
	env := map[string]string{}
	set := func(name string, b running.Binding) {
		if _, taken := env["BERTH_PORT_"+name]; taken {
			return
		}
		env["BERTH_PORT_"+name] = strconv.Itoa(int(b.HostPort))
		env["BERTH_HOST_"+name] = dialAddr(b.HostIP)
	}
	for _, k := range order {
		set(envName(k.service, k.port, k.protocol), replicas[k][0])
	}
	for _, k := range order {
		if bs := replicas[k]; len(bs) > 1 {
			for _, b := range bs {
				set(envName(k.service, k.port, k.protocol)+"_"+strconv.Itoa(b.Index), b)
			}
		}
	}
	return env
}

// preferred reports whether b should replace have as the binding of one
// replica's port: an IPv4 binding over an IPv6 one, else the first.
func preferred(have, b running.Binding) bool {
	return strings.Contains(have.HostIP, ":") && !strings.Contains(b.HostIP, ":")
}

// envName is <SERVICE>_<PORT>[_UDP|_SCTP].
func envName(service string, port uint16, protocol string) string {
	name := strings.Map(func(r rune) rune {
		switch {
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			return r
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		}
		return '_'
	}, service) + "_" + strconv.Itoa(int(port))
	if protocol != "tcp" {
		name += "_" + strings.ToUpper(protocol)
	}
	return name
}

// dialAddr is where a client on the engine's host reaches a binding.
func dialAddr(hostIP string) string {
	switch hostIP {
	case "", "0.0.0.0":
		return "127.0.0.1"
	case "::":
		return "::1"
	}
	return hostIP
}
