package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// The native engine runs a monitor per container: `berth-monitor
// native-monitor <BERTH_ROOT>/containers/<id>` (berth itself when
// berth-monitor is not beside it), in a session of its own. Its memory is the engine's cost per container beyond the container
// itself, and the issue bounds it (≤ 3 MiB each), so bench reads it from
// /proc twice per cycle: after the cold up and before down.

// monitorArg is the command a monitor runs.
const monitorArg = "native-monitor"

// When the monitors are read.
const (
	phaseAfterUp    = "after cold up"
	phaseBeforeDown = "before down"
)

// procMem is one monitor's memory, in bytes, from /proc/<pid>/status.
// VmRSS counts the pages of its executable the monitor has mapped
// (RssFile), which every monitor shares with the others and the page cache;
// RssAnon is what is its own. Pss, from smaps_rollup, charges each shared
// page to the processes sharing it in equal parts: what one more monitor
// costs.
type procMem struct {
	PID     int
	VmRSS   int64 // resident now
	VmHWM   int64 // the peak of VmRSS
	RssAnon int64
	RssFile int64
	Pss     int64 // 0 when the kernel has no smaps_rollup
}

// monitorKey names the monitors read at one size and phase.
type monitorKey struct {
	Size  int
	Phase string
}

// monitorProbe reads the monitors of one BERTH_ROOT. Its methods do nothing
// on a nil probe, which the tools other than native have.
type monitorProbe struct {
	Proc    string // the proc file system, /proc but for tests
	Root    string // BERTH_ROOT
	Results *results
}

// snapshot records the memory of every monitor under the probe's root: one
// cycle runs at a time, so they are the stack's. A count other than one per
// service is noted.
func (p *monitorProbe) snapshot(s stack, phase string) {
	if p == nil {
		return
	}
	pids, err := findMonitors(p.Proc, p.Root)
	if err != nil {
		p.Results.note("%s, %d services: %s: %v", toolTitle(toolNative), s.Size, phase, err)
		return
	}
	var snap []procMem
	for _, pid := range pids {
		m, err := readProcMem(p.Proc, pid)
		if errors.Is(err, fs.ErrNotExist) {
			continue // it exited in between; its absence is counted below
		}
		if err != nil {
			p.Results.note("%s, %d services: %s: %v", toolTitle(toolNative), s.Size, phase, err)
			continue
		}
		snap = append(snap, m)
	}
	if len(snap) != s.Size {
		p.Results.note("%s, %d services: %s: %d monitor process(es), want one per service", toolTitle(toolNative), s.Size, phase, len(snap))
	}
	k := monitorKey{s.Size, phase}
	p.Results.Monitors[k] = append(p.Results.Monitors[k], snap)
}

// leftovers notes what a down left under the probe's root or in the kernel:
// monitors still running, mounts (overlay roots, network namespaces) and
// routes to the stack's subnets (its bridges).
func (p *monitorProbe) leftovers(s stack) {
	if p == nil {
		return
	}
	note := func(format string, args ...any) {
		p.Results.note("%s, %d services: down left "+format, append([]any{toolTitle(toolNative), s.Size}, args...)...)
	}
	if pids, err := findMonitors(p.Proc, p.Root); err != nil {
		note("something unknown: %v", err)
	} else if len(pids) > 0 {
		note("%d monitor process(es)", len(pids))
	}
	if mnts, err := mountsUnder(filepath.Join(p.Proc, "self", "mountinfo"), p.Root); err != nil {
		note("something unknown: %v", err)
	} else if len(mnts) > 0 {
		note("%d mount(s) under BERTH_ROOT", len(mnts))
	}
	routes, err := kernelRoutes(filepath.Join(p.Proc, "net", "route"))
	if err != nil {
		note("something unknown: %v", err)
		return
	}
	var left []string
	for _, sub := range slices.Sorted(maps.Values(s.Subnets)) {
		if slices.Contains(routes, netip.MustParsePrefix(sub)) {
			left = append(left, sub)
		}
	}
	if len(left) > 0 {
		note("a route to %s (a bridge)", strings.Join(left, ", "))
	}
}

// findMonitors lists the processes running `native-monitor DIR` with DIR
// under root, in pid order.
func findMonitors(proc, root string) ([]int, error) {
	ents, err := os.ReadDir(proc)
	if err != nil {
		return nil, fmt.Errorf("list processes: %w", err)
	}
	var pids []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join(proc, e.Name(), "cmdline"))
		if err != nil {
			continue // gone, or not ours to read
		}
		if dir, ok := monitorDir(b); ok && under(root, dir) {
			pids = append(pids, pid)
		}
	}
	slices.Sort(pids)
	return pids, nil
}

// monitorDir is the container directory of a monitor's command line (its
// arguments separated by NUL bytes), if it is one.
func monitorDir(cmdline []byte) (string, bool) {
	args := strings.Split(strings.TrimRight(string(cmdline), "\x00"), "\x00")
	for i, a := range args {
		if a == monitorArg && i+1 < len(args) && i > 0 {
			return args[i+1], true
		}
	}
	return "", false
}

// under is whether path is inside dir (not dir itself).
func under(dir, path string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != "." && rel != ".." && !strings.HasPrefix(rel, "../") && !filepath.IsAbs(rel)
}

func readProcMem(proc string, pid int) (procMem, error) {
	f, err := os.Open(filepath.Join(proc, strconv.Itoa(pid), "status"))
	if err != nil {
		return procMem{}, err
	}
	defer f.Close()
	m, err := parseStatus(f)
	if err != nil {
		return procMem{}, fmt.Errorf("read the memory of monitor %d: %w", pid, err)
	}
	m.PID = pid
	if b, err := os.ReadFile(filepath.Join(proc, strconv.Itoa(pid), "smaps_rollup")); err == nil {
		m.Pss = parseKB(b, "Pss")
	}
	return m, nil
}

// parseKB is the value of field ("Pss:   1234 kB") in bytes, 0 if absent.
func parseKB(b []byte, field string) int64 {
	for line := range bytes.Lines(b) {
		name, val, ok := strings.Cut(string(line), ":")
		if f := strings.Fields(val); ok && name == field && len(f) == 2 && f[1] == "kB" {
			if n, err := strconv.ParseInt(f[0], 10, 64); err == nil {
				return n << 10
			}
		}
	}
	return 0
}

// parseStatus reads the memory lines of /proc/<pid>/status ("VmRSS:	 1234
// kB"). Every one of them must be there: a process that has none is a
// zombie, not a monitor.
func parseStatus(r io.Reader) (procMem, error) {
	var m procMem
	fields := map[string]*int64{"VmRSS": &m.VmRSS, "VmHWM": &m.VmHWM, "RssAnon": &m.RssAnon, "RssFile": &m.RssFile}
	seen := 0
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		name, val, ok := strings.Cut(sc.Text(), ":")
		dst, want := fields[name]
		if !ok || !want {
			continue
		}
		f := strings.Fields(val)
		n, err := strconv.ParseInt(f[0], 10, 64)
		if len(f) != 2 || f[1] != "kB" || err != nil {
			return procMem{}, fmt.Errorf("%s: %q is not a size in kB", name, strings.TrimSpace(val))
		}
		*dst = n << 10
		seen++
	}
	if err := sc.Err(); err != nil {
		return procMem{}, err
	}
	if seen != len(fields) {
		return procMem{}, errors.New("no memory figures in its status (it has exited)")
	}
	return m, nil
}

// mountsUnder lists the mount points under root in a mountinfo file,
// deepest first, so that they can be unmounted in that order.
func mountsUnder(mountinfo, root string) ([]string, error) {
	b, err := os.ReadFile(mountinfo)
	if err != nil {
		return nil, fmt.Errorf("read mounts: %w", err)
	}
	var out []string
	for line := range bytes.Lines(b) {
		f := strings.Fields(string(line))
		if len(f) < 5 {
			continue
		}
		if mp := unescapeMount(f[4]); under(root, mp) {
			out = append(out, mp)
		}
	}
	slices.SortFunc(out, func(a, b string) int { return strings.Count(b, "/") - strings.Count(a, "/") })
	return out, nil
}

// unescapeMount undoes mountinfo's octal escapes of space, tab, newline
// and backslash.
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// memStat is the median and the largest of one figure over monitors.
type memStat struct{ Median, Max int64 }

// monStats sums up monitor snapshots.
type monStats struct {
	Counts                    []int // monitors found at each snapshot, in order
	RSS, HWM, Anon, File, Pss memStat
}

// statsOf sums up snaps; false when no monitor was read.
func statsOf(snaps [][]procMem) (monStats, bool) {
	var st monStats
	var rss, hwm, anon, file, pss []int64
	for _, snap := range snaps {
		st.Counts = append(st.Counts, len(snap))
		for _, m := range snap {
			rss, hwm, anon, file = append(rss, m.VmRSS), append(hwm, m.VmHWM), append(anon, m.RssAnon), append(file, m.RssFile)
			if m.Pss > 0 {
				pss = append(pss, m.Pss)
			}
		}
	}
	if len(rss) == 0 {
		return st, false
	}
	stat := func(xs []int64) memStat {
		if len(xs) == 0 {
			return memStat{}
		}
		return memStat{Median: median(xs), Max: slices.Max(xs)}
	}
	st.RSS, st.HWM, st.Anon, st.File, st.Pss = stat(rss), stat(hwm), stat(anon), stat(file), stat(pss)
	return st, true
}

// monitorStats sums up every snapshot at size, after up and before down.
func (r *results) monitorStats(size int) (monStats, bool) {
	var all [][]procMem
	for _, ph := range []string{phaseAfterUp, phaseBeforeDown} {
		all = append(all, r.Monitors[monitorKey{size, ph}]...)
	}
	return statsOf(all)
}
