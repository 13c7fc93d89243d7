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
