package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// machine describes where the figures were measured; without it they mean
// little.
type machine struct {
	CPUs    int
	Memory  string // e.g. "23.5 GiB"
	Kernel  string
	Dockerd string // server version and API version
	Commit  string // berth's git commit, "+dirty" when the tree has changes
	Date    time.Time
	Image   string
	// Steal is the share of CPU time the host gave to other guests during
	// the run, or "" when it could not be read.
	Steal string
	// Tools maps each measured tool to its version, or to why it was not
	// measured.
	Tools map[string]string
}

func describeMachine(ctx context.Context, root string, now time.Time) machine {
	m := machine{CPUs: runtime.NumCPU(), Date: now, Tools: map[string]string{}}
	m.Memory = memTotal()
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	} else {
		m.Kernel = runtime.GOOS
	}
	if v, err := docker(ctx, "version", "--format", "{{.Server.Version}} (API {{.Server.APIVersion}})"); err == nil {
		m.Dockerd = v
	} else {
		m.Dockerd = "unknown: " + firstLine(err)
	}
	m.Commit = gitCommit(ctx, root)
	return m
}

// memTotal reads MemTotal from /proc/meminfo.
func memTotal() string {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "MemTotal:" {
			kb, err := strconv.ParseInt(fields[1], 10, 64)
			if err != nil {
				break
			}
			return fmt.Sprintf("%.1f GiB", float64(kb)/(1<<20))
		}
	}
	return "unknown"
}

// gitCommit is read-only: rev-parse and status never change the repository.
func gitCommit(ctx context.Context, root string) string {
	out, err := exec.CommandContext(ctx, "git", "-C", root, "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return "unknown"
	}
	commit := strings.TrimSpace(string(out))
	if st, err := exec.CommandContext(ctx, "git", "-C", root, "status", "--porcelain").Output(); err == nil && len(st) > 0 {
		commit += "+dirty"
	}
	return commit
}

// cpuSample is the aggregate CPU line of /proc/stat, in clock ticks.
type cpuSample struct {
	total, steal uint64
}

// readCPU samples /proc/stat. ok is false where there is none (not Linux).
func readCPU() (cpuSample, bool) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return cpuSample{}, false
	}
	return parseCPU(string(b))
}

// parseCPU reads the first line, "cpu user nice system idle iowait irq
// softirq steal …"; kernels before 2.6.11 have no steal column.
func parseCPU(stat string) (cpuSample, bool) {
	line, _, _ := strings.Cut(stat, "\n")
	fields := strings.Fields(line)
	if len(fields) < 9 || fields[0] != "cpu" {
		return cpuSample{}, false
	}
	var s cpuSample
	for i, f := range fields[1:] {
		v, err := strconv.ParseUint(f, 10, 64)
		if err != nil {
			return cpuSample{}, false
		}
		// guest and guest_nice (fields 9 and 10) are already counted in
		// user and nice.
		if i < 8 {
			s.total += v
		}
		if i == 7 {
			s.steal = v
		}
	}
	return s, true
}

// stealText says how much CPU time the hypervisor gave to other guests
// between two samples. On a shared host this is the main source of noise:
// a stolen slice lands on whichever command is running.
func stealText(from, to cpuSample) string {
	total := to.total - from.total
	if total == 0 || to.total < from.total {
		return "unknown"
	}
	return fmt.Sprintf("%.0f%% of CPU time", 100*float64(to.steal-from.steal)/float64(total))
}
