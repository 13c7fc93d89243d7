package docker

import (
	"fmt"
	"net"
	"net/netip"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client/pkg/versions"

	"github.com/berth-dev/berth/engine"
)

// multiNetworkAPI is the first API version whose container create accepts
// several EndpointsConfig entries; older engines attach only one.
const multiNetworkAPI = "1.44"

// networkSettings is compose's defaultNetworkSettings: network_mode wins;
// otherwise the first attachment is the container's NetworkMode and gets its
// endpoint at create, and the others are either sent along (API >= 1.44) or
// returned as connections to make before start.
func networkSettings(spec engine.ContainerSpec, apiVersion string) (container.NetworkMode, *network.NetworkingConfig, []networkConnect, error) {
	s := spec.Service
	if s.NetworkMode != "" {
		return container.NetworkMode(s.NetworkMode), nil, nil, nil
	}
	if len(spec.Networks) == 0 {
		// compose never gets here (every service has a network or a
		// network_mode); leave the engine's default rather than guess.
		return "", nil, nil, nil
	}
	if versions.LessThan(apiVersion, "1.49") {
		for _, a := range spec.Networks {
			if a.DriverOpts["com.docker.network.endpoint.ifname"] != "" {
				return "", nil, nil, fmt.Errorf("networks: %s: interface_name needs Docker Engine 28.1 (API 1.49) or later; this engine speaks API %s", a.Network, apiVersion)
			}
		}
	}

	primary := spec.Networks[0]
	if s.MacAddress != "" {
		// The service-level mac_address belongs to the primary endpoint;
		// API 1.44 moved it there from the container config.
		if primary.MacAddress != "" && primary.MacAddress != s.MacAddress {
			return "", nil, nil, fmt.Errorf("mac_address %s differs from the mac_address %s of network %s: set only one", s.MacAddress, primary.MacAddress, primary.Network)
		}
		primary.MacAddress = s.MacAddress
	}
	ep, err := endpointSettings(primary)
	if err != nil {
		return "", nil, nil, err
	}
	cfg := &network.NetworkingConfig{EndpointsConfig: map[string]*network.EndpointSettings{primary.Network: ep}}

	var connect []networkConnect
	for _, a := range spec.Networks[1:] {
		ep, err := endpointSettings(a)
		if err != nil {
			return "", nil, nil, err
		}
		if versions.LessThan(apiVersion, multiNetworkAPI) {
			connect = append(connect, networkConnect{Network: a.Network, Endpoint: ep})
		} else {
			cfg.EndpointsConfig[a.Network] = ep
		}
	}
	return container.NetworkMode(primary.Network), cfg, connect, nil
}

// endpointSettings is compose's createEndpointSettings for one attachment.
func endpointSettings(a engine.NetworkAttachment) (*network.EndpointSettings, error) {
	ep := &network.EndpointSettings{
		Aliases:    a.Aliases,
		Links:      a.Links,
		DriverOpts: a.DriverOpts,
		GwPriority: a.GwPriority,
	}
	var ipam network.EndpointIPAMConfig
	if a.IPv4Address != "" {
		ip, err := netip.ParseAddr(a.IPv4Address)
		if err != nil {
			return nil, fmt.Errorf("networks: %s: ipv4_address %q: %w", a.Network, a.IPv4Address, err)
		}
		ipam.IPv4Address = ip.Unmap()
		ep.IPAddress = ip
	}
	if a.IPv6Address != "" {
		ip, err := netip.ParseAddr(a.IPv6Address)
		if err != nil {
			return nil, fmt.Errorf("networks: %s: ipv6_address %q: %w", a.Network, a.IPv6Address, err)
		}
		ipam.IPv6Address = ip
	}
	for _, l := range a.LinkLocalIPs {
		if l == "" {
			continue
		}
		ip, err := netip.ParseAddr(l)
		if err != nil {
			return nil, fmt.Errorf("networks: %s: link_local_ips %q: %w", a.Network, l, err)
		}
		ipam.LinkLocalIPs = append(ipam.LinkLocalIPs, ip)
	}
	if ipam.IPv4Address.IsValid() || ipam.IPv6Address.IsValid() || len(ipam.LinkLocalIPs) > 0 {
		ep.IPAMConfig = &ipam
	}
	if a.MacAddress != "" {
		mac, err := net.ParseMAC(a.MacAddress)
		if err != nil {
			return nil, fmt.Errorf("networks: %s: mac_address %q: %w", a.Network, a.MacAddress, err)
		}
		ep.MacAddress = network.HardwareAddr(mac)
	}
	return ep, nil
}
