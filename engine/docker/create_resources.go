package docker

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/moby/moby/api/types/blkiodev"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"

	"github.com/berth-dev/berth/internal/composeconv"
)

// resources follows compose's getDeployResources: service-level limits
// first, then deploy.resources limits and reservations on top.
func resources(s types.ServiceConfig) container.Resources {
	r := container.Resources{
		CgroupParent:       s.CgroupParent,
		Memory:             int64(s.MemLimit),
		MemorySwap:         int64(s.MemSwapLimit),
		MemoryReservation:  int64(s.MemReservation),
		OomKillDisable:     &s.OomKillDisable,
		CPUCount:           s.CPUCount,
		CPUPeriod:          s.CPUPeriod,
		CPUQuota:           s.CPUQuota,
		CPURealtimePeriod:  s.CPURTPeriod,
		CPURealtimeRuntime: s.CPURTRuntime,
		CPUShares:          s.CPUShares,
		NanoCPUs:           int64(s.CPUS * 1e9),
		CPUPercent:         int64(s.CPUPercent * 100),
		CpusetCpus:         s.CPUSet,
		DeviceCgroupRules:  s.DeviceCgroupRules,
	}
	if s.MemSwappiness != 0 {
		v := int64(s.MemSwappiness)
		r.MemorySwappiness = &v
	}
	if s.PidsLimit != 0 {
		v := s.PidsLimit
		r.PidsLimit = &v
	}
	blkio(s.BlkioConfig, &r)
	if s.Deploy != nil {
		if l := s.Deploy.Resources.Limits; l != nil {
			if l.MemoryBytes != 0 {
				r.Memory = int64(l.MemoryBytes)
			}
			if l.NanoCPUs != 0 {
				r.NanoCPUs = int64(l.NanoCPUs * 1e9)
			}
			if l.Pids > 0 {
				v := l.Pids
				r.PidsLimit = &v
			}
		}
		if res := s.Deploy.Resources.Reservations; res != nil {
			// CPU reservations are a swarm feature; the engine only knows a
			// memory soft limit and device requests.
			if res.MemoryBytes != 0 {
				r.MemoryReservation = int64(res.MemoryBytes)
			}
			for _, d := range res.Devices {
				r.DeviceRequests = append(r.DeviceRequests, container.DeviceRequest{
					Capabilities: [][]string{d.Capabilities},
					Count:        int(d.Count),
					DeviceIDs:    d.IDs,
					Driver:       d.Driver,
					Options:      d.Options,
				})
			}
		}
	}
	var cdi []string
	for _, d := range s.Devices {
		if d.Source == d.Target && isCDIName(d.Source) {
			cdi = append(cdi, d.Source)
			continue
		}
		r.Devices = append(r.Devices, container.DeviceMapping{
			PathOnHost:        d.Source,
			PathInContainer:   d.Target,
			CgroupPermissions: d.Permissions,
		})
	}
	if len(cdi) > 0 {
		r.DeviceRequests = append(r.DeviceRequests, container.DeviceRequest{Driver: "cdi", DeviceIDs: cdi})
	}
	for _, g := range s.Gpus {
		r.DeviceRequests = append(r.DeviceRequests, container.DeviceRequest{
			Driver:       g.Driver,
			Count:        int(g.Count),
			DeviceIDs:    g.IDs,
			Capabilities: [][]string{append(append([]string(nil), g.Capabilities...), "gpu")},
			Options:      g.Options,
		})
	}
	r.Ulimits = composeconv.Ulimits(s.Ulimits)
	return r
}

// isCDIName reports whether name looks like a fully qualified CDI device,
// vendor.com/class=name, as opposed to a device path.
func isCDIName(name string) bool {
	kind, dev, ok := strings.Cut(name, "=")
	return ok && dev != "" && !strings.HasPrefix(name, "/") && strings.Contains(kind, "/")
}

func blkio(b *types.BlkioConfig, r *container.Resources) {
	if b == nil {
		return
	}
	r.BlkioWeight = b.Weight
	for _, d := range b.WeightDevice {
		r.BlkioWeightDevice = append(r.BlkioWeightDevice, &blkiodev.WeightDevice{Path: d.Path, Weight: d.Weight})
	}
	throttle := func(in []types.ThrottleDevice) []*blkiodev.ThrottleDevice {
		var out []*blkiodev.ThrottleDevice
		for _, d := range in {
			out = append(out, &blkiodev.ThrottleDevice{Path: d.Path, Rate: uint64(d.Rate)})
		}
		return out
	}
	r.BlkioDeviceReadBps = throttle(b.DeviceReadBps)
	r.BlkioDeviceReadIOps = throttle(b.DeviceReadIOps)
	r.BlkioDeviceWriteBps = throttle(b.DeviceWriteBps)
	r.BlkioDeviceWriteIOps = throttle(b.DeviceWriteIOps)
}

// exposedPorts lists every container port: the targets of ports: and the
// ranges of expose:.
func exposedPorts(s types.ServiceConfig) (network.PortSet, error) {
	set := network.PortSet{}
	for _, p := range s.Ports {
		port, err := network.ParsePort(fmt.Sprintf("%d/%s", p.Target, protocol(p.Protocol)))
		if err != nil {
			return nil, fmt.Errorf("ports: %w", err)
		}
		set[port] = struct{}{}
	}
	for _, e := range s.Expose {
		pr, err := network.ParsePortRange(e)
		if err != nil {
			return nil, fmt.Errorf("expose: %w", err)
		}
		for p := range pr.All() {
			set[p] = struct{}{}
		}
	}
	return set, nil
}

// portBindings maps each container port to its host bindings. A port
// without a published port still gets a binding, which makes the engine
// pick a free host port, as `docker compose` does for `- "80"`.
func portBindings(s types.ServiceConfig) (network.PortMap, error) {
	m := network.PortMap{}
	for _, p := range s.Ports {
		port, err := network.ParsePort(fmt.Sprintf("%d/%s", p.Target, protocol(p.Protocol)))
		if err != nil {
			return nil, fmt.Errorf("ports: %w", err)
		}
		var hostIP netip.Addr
		if p.HostIP != "" {
			if hostIP, err = netip.ParseAddr(p.HostIP); err != nil {
				return nil, fmt.Errorf("ports: host IP %q: %w", p.HostIP, err)
			}
		}
		m[port] = append(m[port], network.PortBinding{HostIP: hostIP, HostPort: p.Published})
	}
	return m, nil
}

func protocol(p string) string {
	if p == "" {
		return "tcp"
	}
	return p
}
