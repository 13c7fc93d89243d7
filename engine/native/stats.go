package native

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/native/monitor"
)

// statsInterval is docker's: one reading a second when streaming.
const statsInterval = time.Second

// ContainerStats reads the container's usage from its cgroup (v1 or v2)
// and its network namespace.
func (e *Engine) ContainerStats(ctx context.Context, ref string, stream bool, fn func(engine.StatsSample) error) error {
	c, err := e.lookup(ref)
	if err != nil {
		return err
	}
	var prev engine.CPUSample
	t := time.NewTicker(statsInterval)
	defer t.Stop()
	for first := true; ; first = false {
		s, err := e.observe(c)
		if err != nil {
			return err
		}
		sample := engine.StatsSample{Read: time.Now()}
		if s.running() {
			sample = readStats(c.ID, s.Pid)
		}
		sample.PreCPU = prev
		if !stream && first {
			// One reading with PreCPU set needs two: docker waits too.
			prev = sample.CPU
			select {
			case <-ctx.Done():
				return nil
			case <-t.C:
			}
			continue
		}
		if err := fn(sample); err != nil {
			return err
		}
		if !stream {
			return nil
		}
		prev = sample.CPU
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// readStats takes one reading; counters that cannot be read stay zero.
func readStats(id string, pid int) engine.StatsSample {
	cg := monitor.CgroupPath(id)
	s := engine.StatsSample{Read: time.Now()}
	s.CPU.Online = uint32(runtime.NumCPU())
	s.CPU.System = systemCPU()
	if v, ok := readUint("/sys/fs/cgroup/cpuacct", cg, "cpuacct.usage"); ok {
		// cgroup v1
		s.CPU.Total = v
		usage, _ := readUint("/sys/fs/cgroup/memory", cg, "memory.usage_in_bytes")
		inactive := statField(filepath.Join("/sys/fs/cgroup/memory", cg, "memory.stat"), "total_inactive_file")
		s.MemoryUsage = sub(usage, inactive)
		s.MemoryLimit, _ = readUint("/sys/fs/cgroup/memory", cg, "memory.limit_in_bytes")
		s.PIDs, _ = readUint("/sys/fs/cgroup/pids", cg, "pids.current")
	} else {
		dir := filepath.Join("/sys/fs/cgroup", cg)
		s.CPU.Total = statField(filepath.Join(dir, "cpu.stat"), "usage_usec") * 1000
		usage, _ := readUint(dir, "", "memory.current")
		s.MemoryUsage = sub(usage, statField(filepath.Join(dir, "memory.stat"), "inactive_file"))
		s.MemoryLimit, _ = readUint(dir, "", "memory.max")
		s.PIDs, _ = readUint(dir, "", "pids.current")
	}
	if pid > 0 {
		s.NetRx, s.NetTx = netBytes(pid)
	}
	return s
}

func sub(a, b uint64) uint64 {
	if b > a {
		return 0
	}
	return a - b
}

func readUint(base, cg, file string) (uint64, bool) {
	b, err := os.ReadFile(filepath.Join(base, cg, file))
	if err != nil {
		return 0, false
	}
	v, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
	return v, err == nil
}

// statField reads "key value" from a cgroup stat file.
func statField(path, key string) uint64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, key+" "); ok {
			n, _ := strconv.ParseUint(strings.TrimSpace(v), 10, 64)
			return n
		}
	}
	return 0
}

// systemCPU is the host's CPU time in nanoseconds, from /proc/stat.
func systemCPU() uint64 {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	var total uint64
	for _, f := range strings.Fields(line)[1:] {
		n, _ := strconv.ParseUint(f, 10, 64)
		total += n
	}
	return total * uint64(time.Second) / clockTicks
}

// netBytes sums received and sent bytes over the interfaces of pid's
// network namespace, loopback aside.
func netBytes(pid int) (rx, tx uint64) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/net/dev", pid))
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		name, rest, ok := strings.Cut(line, ":")
		if !ok || strings.TrimSpace(name) == "lo" {
			continue
		}
		f := strings.Fields(rest)
		if len(f) < 9 {
			continue
		}
		r, _ := strconv.ParseUint(f[0], 10, 64)
		t, _ := strconv.ParseUint(f[8], 10, 64)
		rx, tx = rx+r, tx+t
	}
	return rx, tx
}
