package ocispec

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// cpuPeriod is the CFS period dockerd uses to express cpus as a quota.
const cpuPeriod = 100000

// resources maps the service's limits onto the cgroup as dockerd does,
// with compose's precedence: deploy.resources on top of the service-level
// keys.
func resources(s types.ServiceConfig) (*specs.LinuxResources, error) {
	mem, swap, reservation := int64(s.MemLimit), int64(s.MemSwapLimit), int64(s.MemReservation)
	nanoCPUs := int64(s.CPUS * 1e9)
	pids := s.PidsLimit
	if s.Deploy != nil {
		if l := s.Deploy.Resources.Limits; l != nil {
			if l.MemoryBytes != 0 {
				mem = int64(l.MemoryBytes)
			}
			if l.NanoCPUs != 0 {
				nanoCPUs = int64(l.NanoCPUs * 1e9)
			}
			if l.Pids > 0 {
				pids = l.Pids
			}
		}
		// CPU reservations are a swarm feature dockerd ignores too.
		if r := s.Deploy.Resources.Reservations; r != nil && r.MemoryBytes != 0 {
			reservation = int64(r.MemoryBytes)
		}
	}

	r := &specs.LinuxResources{}
	var m specs.LinuxMemory
	if mem > 0 {
		m.Limit = &mem
		if swap == 0 {
			// dockerd's default: as much swap as memory.
			swap = 2 * mem
		}
	}
	if swap != 0 {
		if mem <= 0 && swap > 0 {
			return nil, fmt.Errorf("memswap_limit: set mem_limit too; memswap_limit is memory plus swap")
		}
		if swap > 0 && swap < mem {
			return nil, fmt.Errorf("memswap_limit: %d is below mem_limit %d; it counts memory plus swap", swap, mem)
		}
		m.Swap = &swap
	}
	if reservation > 0 {
		m.Reservation = &reservation
	}
	if sw := int64(s.MemSwappiness); sw != 0 && sw != -1 {
		if sw < 0 || sw > 100 {
			return nil, fmt.Errorf("mem_swappiness: %d is not between 0 and 100", sw)
		}
		v := uint64(sw)
		m.Swappiness = &v
	}
	if s.OomKillDisable {
		t := true
		m.DisableOOMKiller = &t
	}
	if m != (specs.LinuxMemory{}) {
		r.Memory = &m
	}

	var c specs.LinuxCPU
	if nanoCPUs > 0 {
		if s.CPUQuota != 0 || s.CPUPeriod != 0 {
			return nil, fmt.Errorf("cpus: conflicts with cpu_quota and cpu_period; set one or the other")
		}
		period, quota := uint64(cpuPeriod), nanoCPUs*cpuPeriod/1e9
		c.Period, c.Quota = &period, &quota
	}
	if s.CPUQuota != 0 {
		q := s.CPUQuota
		c.Quota = &q
	}
	if s.CPUPeriod != 0 {
		p := uint64(s.CPUPeriod)
		c.Period = &p
	}
	if s.CPUShares != 0 {
		sh := uint64(s.CPUShares)
		c.Shares = &sh
	}
	if s.CPURTPeriod != 0 {
		p := uint64(s.CPURTPeriod)
		c.RealtimePeriod = &p
	}
	if s.CPURTRuntime != 0 {
		rt := s.CPURTRuntime
		c.RealtimeRuntime = &rt
	}
	c.Cpus = s.CPUSet
	if c != (specs.LinuxCPU{}) {
		r.CPU = &c
	}
	if pids > 0 {
		r.Pids = &specs.LinuxPids{Limit: &pids}
	}
	return r, nil
}

// rlimitNames are the ulimits docker accepts.
var rlimitNames = []string{"as", "core", "cpu", "data", "fsize", "locks", "memlock", "msgqueue", "nice", "nofile", "nproc", "rss", "rtprio", "rttime", "sigpending", "stack"}

// rlimits turns ulimits into the process's rlimits, sorted by name. Those
// not set are inherited from runc's parent, the container's monitor.
func rlimits(m map[string]*types.UlimitsConfig) ([]specs.POSIXRlimit, error) {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	var out []specs.POSIXRlimit
	for _, n := range names {
		u := m[n]
		if !slices.Contains(rlimitNames, n) {
			return nil, fmt.Errorf("ulimits: unknown limit %q", n)
		}
		soft, hard := u.Single, u.Single
		if u.Soft != 0 || u.Hard != 0 {
			soft, hard = u.Soft, u.Hard
		}
		if soft > hard {
			return nil, fmt.Errorf("ulimits: %s: soft limit %d is above hard limit %d", n, soft, hard)
		}
		out = append(out, specs.POSIXRlimit{Type: "RLIMIT_" + strings.ToUpper(n), Soft: uint64(soft), Hard: uint64(hard)})
	}
	return out, nil
}

// checkSysctls allows what docker allows: sysctls of a namespace the
// container has its own (or a joined) instance of. Setting any other would
// change the host.
func checkSysctls(m types.Mapping, ns map[specs.LinuxNamespaceType]string) (map[string]string, error) {
	if len(m) == 0 {
		return nil, nil
	}
	ipcKeys := []string{"kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem", "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced"}
	out := map[string]string{}
	for k, v := range m {
		var need specs.LinuxNamespaceType
		switch {
		case strings.HasPrefix(k, "net."):
			need = specs.NetworkNamespace
		case strings.HasPrefix(k, "fs.mqueue."), slices.Contains(ipcKeys, k):
			need = specs.IPCNamespace
		case k == "kernel.hostname" || k == "kernel.domainname":
			need = specs.UTSNamespace
		default:
			return nil, fmt.Errorf("sysctls: %s is not namespaced: setting it would change the host", k)
		}
		if _, ok := ns[need]; !ok {
			return nil, fmt.Errorf("sysctls: %s needs the container's own %s namespace, and it shares the host's", k, need)
		}
		out[k] = v
	}
	return out, nil
}
