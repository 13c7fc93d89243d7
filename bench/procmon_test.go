package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestMonitorDir(t *testing.T) {
	tests := []struct {
		name, cmdline string
		dir           string
		ok            bool
	}{
		{"monitor", "/tmp/b/berth-full\x00native-monitor\x00/r/containers/ab\x00", "/r/containers/ab", true},
		{"no trailing NUL", "berth\x00native-monitor\x00/r/containers/ab", "/r/containers/ab", true},
		{"berth on the native engine", "berth\x00--engine\x00native\x00up\x00-d\x00", "", false},
		{"no directory", "berth\x00native-monitor\x00", "", false},
		{"not an argument of its own", "sh\x00-c\x00berth native-monitor /r/containers/ab\x00", "", false},
		{"kernel thread", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, ok := monitorDir([]byte(tt.cmdline))
			if dir != tt.dir || ok != tt.ok {
				t.Errorf("monitorDir(%q) = (%q, %v), want (%q, %v)", tt.cmdline, dir, ok, tt.dir, tt.ok)
			}
		})
	}
}

func TestUnder(t *testing.T) {
	tests := []struct {
		dir, path string
		want      bool
	}{
		{"/tmp/root", "/tmp/root/containers/ab", true},
		{"/tmp/root", "/tmp/root/netns/ab", true},
		{"/tmp/root", "/tmp/root", false},
		{"/tmp/root", "/tmp/root2/containers/ab", false},
		{"/tmp/root", "/tmp/root/../other", false},
		{"/tmp/root", "/var/lib/berth/containers/ab", false},
		{"/tmp/root", "containers/ab", false},
	}
	for _, tt := range tests {
		if got := under(tt.dir, tt.path); got != tt.want {
			t.Errorf("under(%q, %q) = %v, want %v", tt.dir, tt.path, got, tt.want)
		}
	}
}

// A monitor's /proc/PID/status, cut to the lines around the memory ones.
const monitorStatus = `Name:	berth-full
Umask:	0022
State:	S (sleeping)
Pid:	4242
VmPeak:	 1238396 kB
VmSize:	 1238396 kB
VmHWM:	    6144 kB
VmRSS:	    5632 kB
RssAnon:	    1536 kB
RssFile:	    4096 kB
RssShmem:	       0 kB
Threads:	5
`

func TestParseStatus(t *testing.T) {
	tests := []struct {
		name, in string
		want     procMem
		wantErr  string
	}{
		{name: "monitor", in: monitorStatus, want: procMem{VmRSS: 5632 << 10, VmHWM: 6144 << 10, RssAnon: 1536 << 10, RssFile: 4096 << 10}},
		{name: "zombie", in: "Name:\tberth\nState:\tZ (zombie)\nThreads:\t1\n", wantErr: "no memory figures"},
		{name: "not kB", in: strings.Replace(monitorStatus, "5632 kB", "5632 MB", 1), wantErr: `VmRSS: "5632 MB" is not a size in kB`},
		{name: "not a number", in: strings.Replace(monitorStatus, "1536 kB", "x kB", 1), wantErr: `RssAnon: "x kB" is not a size in kB`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseStatus(strings.NewReader(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("parseStatus error = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("parseStatus = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParseKB(t *testing.T) {
	tests := []struct {
		field string
		want  int64
	}{
		{"Pss", 2048 << 10},
		{"Pss_Anon", 1536 << 10},
		{"Rss", 5632 << 10},
		{"Swap", 0},
	}
	for _, tt := range tests {
		if got := parseKB([]byte(monitorRollup), tt.field); got != tt.want {
			t.Errorf("parseKB(rollup, %q) = %d, want %d", tt.field, got, tt.want)
		}
	}
}

func TestUnescapeMount(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/tmp/root/containers/ab/rootfs", "/tmp/root/containers/ab/rootfs"},
		{`/tmp/a\040b`, "/tmp/a b"},
		{`/tmp/a\134b`, `/tmp/a\b`},
		{`/tmp/end\04`, `/tmp/end\04`},
	}
	for _, tt := range tests {
		if got := unescapeMount(tt.in); got != tt.want {
			t.Errorf("unescapeMount(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// fakeProc is a proc file system with the given processes (pid → cmdline,
// status and smaps_rollup, if any), mountinfo lines and routes.
func fakeProc(t *testing.T, procs map[int][3]string, mountinfo []string, routes string) string {
	t.Helper()
	dir := t.TempDir()
	write := func(path, content string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for pid, p := range procs {
		write(filepath.Join(dir, strconv.Itoa(pid), "cmdline"), p[0])
		write(filepath.Join(dir, strconv.Itoa(pid), "status"), p[1])
		if p[2] != "" {
			write(filepath.Join(dir, strconv.Itoa(pid), "smaps_rollup"), p[2])
		}
	}
	write(filepath.Join(dir, "self", "mountinfo"), strings.Join(mountinfo, "\n")+"\n")
	write(filepath.Join(dir, "net", "route"), routes)
	write(filepath.Join(dir, "meminfo"), "MemTotal: 1 kB\n") // not a process
	return dir
}

func monitorProc(root, id, rss, rollup string) [3]string {
	return [3]string{"/b/berth-full\x00native-monitor\x00" + root + "/containers/" + id + "\x00",
		strings.Replace(monitorStatus, "VmRSS:	    5632 kB", "VmRSS:	"+rss+" kB", 1), rollup}
}

// A monitor's smaps_rollup, cut.
const monitorRollup = `55d4a1c00000-7ffd3b9fe000 ---p 00000000 00:00 0                          [rollup]
Rss:                5632 kB
Pss:                2048 kB
Pss_Anon:           1536 kB
Pss_File:            512 kB
Shared_Clean:       4096 kB
`

func TestMonitorProbe(t *testing.T) {
	const root = "/tmp/berth-bench-root-1"
	proc := fakeProc(t, map[int][3]string{
		300: monitorProc(root, "aa", "3000", monitorRollup),
		20:  monitorProc(root, "bb", "2000", ""),                                                                        // no smaps_rollup
		21:  monitorProc("/var/lib/berth", "cc", "9999", monitorRollup),                                                 // another root's
		22:  {"berth\x00--engine\x00native\x00up\x00-d\x00", monitorStatus, ""},                                         // not a monitor
		23:  {"/b/berth\x00native-monitor\x00" + root + "/containers/dd\x00", "Name:\tberth\nState:\tZ (zombie)\n", ""}, // exiting
	}, []string{
		"22 1 0:21 / /proc rw shared:12 - proc proc rw",
		"301 29 0:60 / " + root + "/containers/aa/rootfs rw - overlay overlay rw,lowerdir=x",
		"302 29 0:4 net:[4026532] " + root + "/netns/aa rw - nsfs nsfs rw",
	}, "Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\tMTU\tWindow\tIRTT\nbr-x\t0000960A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n")

	pids, err := findMonitors(proc, root)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]int{20, 23, 300}, pids); d != "" {
		t.Errorf("findMonitors mismatch (-want +got):\n%s", d)
	}
	mnts, err := mountsUnder(filepath.Join(proc, "self", "mountinfo"), root)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{root + "/containers/aa/rootfs", root + "/netns/aa"}, mnts); d != "" {
		t.Errorf("mountsUnder mismatch (-want +got), want deepest first:\n%s", d)
	}

	r := newResults()
	p := &monitorProbe{Proc: proc, Root: root, Results: r}
	s := stack{Size: 3, Subnets: map[string]string{netBack: "10.150.0.0/24", netFront: "10.150.1.0/24"}}
	p.snapshot(s, phaseAfterUp)
	want := [][]procMem{{
		{PID: 20, VmRSS: 2000 << 10, VmHWM: 6144 << 10, RssAnon: 1536 << 10, RssFile: 4096 << 10},
		{PID: 300, VmRSS: 3000 << 10, VmHWM: 6144 << 10, RssAnon: 1536 << 10, RssFile: 4096 << 10, Pss: 2048 << 10},
	}}
	if d := cmp.Diff(want, r.Monitors[monitorKey{3, phaseAfterUp}]); d != "" {
		t.Errorf("snapshot mismatch (-want +got):\n%s", d)
	}
	p.leftovers(s)
	wantNotes := map[string]int{
		"native, 3 services: after cold up: read the memory of monitor 23: no memory figures in its status (it has exited)": 1,
		"native, 3 services: after cold up: 2 monitor process(es), want one per service":                                    1,
		"native, 3 services: down left 3 monitor process(es)":                                                               1,
		"native, 3 services: down left 2 mount(s) under BERTH_ROOT":                                                         1,
		"native, 3 services: down left a route to 10.150.0.0/24 (a bridge)":                                                 1,
	}
	if d := cmp.Diff(wantNotes, r.Notes); d != "" {
		t.Errorf("notes mismatch (-want +got):\n%s", d)
	}

	var none *monitorProbe // the other tools' probe does nothing
	none.snapshot(s, phaseAfterUp)
	none.leftovers(s)
}

func TestStatsOf(t *testing.T) {
	mem := func(rss, hwm, anon, file, pss int64) procMem {
		return procMem{VmRSS: rss << 20, VmHWM: hwm << 20, RssAnon: anon << 20, RssFile: file << 20, Pss: pss << 20}
	}
	tests := []struct {
		name  string
		snaps [][]procMem
		want  monStats
		ok    bool
	}{
		{name: "none", snaps: nil, ok: false},
		{name: "empty snapshots", snaps: [][]procMem{{}, {}}, want: monStats{Counts: []int{0, 0}}, ok: false},
		{
			name:  "two snapshots",
			snaps: [][]procMem{{mem(5, 6, 1, 4, 2), mem(7, 8, 3, 4, 0)}, {mem(6, 9, 2, 4, 4)}},
			want: monStats{Counts: []int{2, 1}, RSS: memStat{6 << 20, 7 << 20}, HWM: memStat{8 << 20, 9 << 20},
				Anon: memStat{2 << 20, 3 << 20}, File: memStat{4 << 20, 4 << 20}, Pss: memStat{3 << 20, 4 << 20}},
			ok: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := statsOf(tt.snaps)
			if ok != tt.ok {
				t.Fatalf("statsOf ok = %v, want %v", ok, tt.ok)
			}
			if d := cmp.Diff(tt.want, got); ok && d != "" {
				t.Errorf("statsOf mismatch (-want +got):\n%s", d)
			}
		})
	}
}
