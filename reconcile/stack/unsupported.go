package stack

import (
	"fmt"
	"maps"
	"slices"

	"github.com/compose-spec/compose-go/v2/types"
)

// unsupported checks one service for compose keys a swarm cannot honour.
// A key whose absence only loses a convenience is a warning naming the
// service and key; a key whose absence would change what the service can
// do or reach is an error, so that nothing is deployed that behaves
// differently from the file.
func unsupported(s types.ServiceConfig) (warnings []string, errs []error) {
	warn := func(key, why string) {
		warnings = append(warnings, fmt.Sprintf("service %s: %s is ignored on a swarm: %s", s.Name, key, why))
	}
	fail := func(key, why string) {
		errs = append(errs, fmt.Errorf("service %s: %s is not supported on a swarm: %s", s.Name, key, why))
	}
	if s.Build != nil && s.Image != "" {
		warn("build", "nodes run image "+s.Image+"; build and push it before deploying")
	}
	for _, dep := range slices.Sorted(maps.Keys(s.DependsOn)) {
		if c := s.DependsOn[dep].Condition; c != "" && c != types.ServiceConditionStarted {
			warn("depends_on."+dep+".condition", c+" is not waited for; depends_on only orders the first deploy")
		}
	}
	if s.ContainerName != "" {
		warn("container_name", "the swarm names each task's container")
	}
	if len(s.Links) > 0 || len(s.ExternalLinks) > 0 {
		warn("links", "services on a shared network reach each other by service name")
	}
	if s.NetworkMode != "" || s.Net != "" {
		fail("network_mode", "services attach to overlay networks; remove network_mode and use networks:")
	}
	if s.Privileged {
		fail("privileged", "swarm services cannot run privileged; use cap_add for the capabilities needed")
	}
	if len(s.Devices) > 0 {
		fail("devices", "swarm services cannot map host devices")
	}
	if len(s.VolumesFrom) > 0 {
		fail("volumes_from", "tasks may run on different nodes; share a named volume instead")
	}
	if s.Pid != "" || s.Ipc != "" || s.Uts != "" || s.UserNSMode != "" {
		fail("pid/ipc/uts/userns_mode", "swarm services always get namespaces of their own")
	}
	if s.MemLimit != 0 || s.CPUS != 0 || s.CPUShares != 0 || s.MemReservation != 0 || s.PidsLimit != 0 {
		warn("mem_limit/cpus/cpu_shares/mem_reservation/pids_limit", "use deploy.resources")
	}
	if len(s.SecurityOpt) > 0 {
		warn("security_opt", "swarm services take no security options")
	}
	if len(s.Tmpfs) > 0 {
		warn("tmpfs", "use a volume of type tmpfs")
	}
	if s.PullPolicy != "" {
		warn("pull_policy", "each node pulls the image when it starts a task")
	}
	if s.Platform != "" {
		warn("platform", "use deploy.placement.constraints such as node.platform.arch==x86_64")
	}
	if s.ShmSize != 0 {
		warn("shm_size", "swarm services take no shm size")
	}
	for _, p := range s.Ports {
		if p.HostIP != "" {
			warn("ports.host_ip", "a swarm publishes on every address of the node")
			break
		}
	}
	if s.Deploy != nil && s.Deploy.RestartPolicy != nil && s.Restart != "" {
		warn("restart", "deploy.restart_policy takes precedence")
	}
	if s.Deploy != nil && s.Deploy.Resources.Reservations != nil && len(s.Deploy.Resources.Reservations.Devices) > 0 {
		fail("deploy.resources.reservations.devices", "swarm reserves generic resources, not devices; use generic_resources")
	}
	return warnings, errs
}
