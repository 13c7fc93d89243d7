package main

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite testdata goldens")

func TestReportGolden(t *testing.T) {
	r := fixture(map[string]map[string]map[int]float64{
		toolBerth: {
			opConfigCold: {10: 30, 50: 41},
			opConfig:     {10: 8, 50: 12},
			opColdUp:     {10: 900, 50: 4100},
			opNoopUp:     {10: 15, 50: 28},
			opPs:         {10: 9, 50: 14},
			opPsJSON:     {10: 9.5, 50: 15},
			opLogs:       {10: 30, 50: 120},
			opChange:     {10: 210, 50: 260},
			opDown:       {10: 800, 50: 3500},
		},
		toolV1: {
			opConfigCold: {10: 280, 50: 430},
			opConfig:     {10: 290, 50: 420},
			opColdUp:     {10: 2400, 50: 11000},
			opNoopUp:     {10: 390, 50: 1400},
			opPs:         {10: 340, 50: 700},
			opLogs:       {10: 450, 50: 1900},
			opChange:     {10: 830, 50: 1500},
			opDown:       {10: 1800, 50: 7000},
		},
		toolFloor: {
			opColdUp: {10: 880, 50: 4000},
			opChange: {10: 200, 50: 230},
			opDown:   {10: 790, 50: 3400},
		},
	})
	r.Absent[toolCompose] = "docker compose v2+ is not installed: `docker compose version` failed"
	r.Absent[toolNative] = "native not in -tools"
	r.fail(key{toolBerth, opLogs, 50}, errors.New("berth logs: exit status 1\nno | such thing"))
	r.note("berth, 50 services: no-op up -d recreated 1 container(s) (svc049)")
	r.note("berth, 50 services: no-op up -d recreated 1 container(s) (svc049)")
	r.note("%s", staleNote(toolFloor, 50))
	r.Stranded = []string{"berthbench-x-floor-50-r1"}
	rp := report{
		Machine: machine{
			CPUs: 2, Memory: "23.5 GiB", Kernel: "6.1.0", Dockerd: "20.10.24 (API 1.41)", Commit: "abc1234",
			Date: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC), Image: sleeperImage, Steal: "12% of CPU time",
			Tools: map[string]string{toolBerth: "built from this tree", toolCompose: "not measured: not installed", toolV1: "1.29.2", toolFloor: "engine/docker, API 1.41"},
		},
		Config:  config{Sizes: []int{10, 50}, Runs: 5, Changes: 3, Repeats: 3, Parallel: 16, RunsFor: map[string]int{"v1:50": 2}},
		Results: r,
		Tools:   []string{toolBerth, toolV1, toolFloor},
	}
	checkGolden(t, rp, "report.golden")
}

// TestReportNativeGolden is berth on dockerd, the native engine and the
// floor at 10 and 30 services: the native column, native/berth, the
// native targets and the monitors' memory.
func TestReportNativeGolden(t *testing.T) {
	r := fixture(map[string]map[string]map[int]float64{
		toolBerth: {
			opConfigCold: {10: 30, 30: 36}, opConfig: {10: 8, 30: 10},
			opColdUp: {10: 1200, 30: 3600}, opNoopUp: {10: 15, 30: 20},
			opPs: {10: 9, 30: 11}, opPsJSON: {10: 9.5, 30: 12}, opLogs: {10: 30, 30: 80},
			opChange: {10: 210, 30: 240}, opDown: {10: 900, 30: 2400},
		},
		toolNative: {
			opConfigCold: {10: 31, 30: 37}, opConfig: {10: 8, 30: 10},
			opColdUp: {10: 300, 30: 650}, opNoopUp: {10: 12, 30: 16},
			opPs: {10: 7, 30: 9}, opPsJSON: {10: 7.5, 30: 9.5}, opLogs: {10: 12, 30: 25},
			opChange: {10: 60, 30: 70}, opDown: {10: 200, 30: 520},
		},
		toolFloor: {
			opColdUp: {10: 1150, 30: 3500},
			opChange: {10: 200, 30: 230},
			opDown:   {10: 880, 30: 2300},
		},
	})
	mem := func(rss, hwm, anon, file int64) procMem {
		return procMem{VmRSS: rss << 10, VmHWM: hwm << 10, RssAnon: anon << 10, RssFile: file << 10, Pss: (anon + file/10) << 10}
	}
	r.Monitors[monitorKey{10, phaseAfterUp}] = [][]procMem{{mem(5000, 5200, 1400, 3600), mem(5100, 5300, 1500, 3600)}}
	r.Monitors[monitorKey{10, phaseBeforeDown}] = [][]procMem{{mem(5300, 5400, 1600, 3700), mem(5200, 5400, 1500, 3700)}}
	r.Monitors[monitorKey{30, phaseAfterUp}] = [][]procMem{{mem(5000, 5100, 1400, 3600), mem(5100, 5200, 1500, 3600)}, {mem(4900, 5000, 1300, 3600)}}
	r.note("native, 30 services: after cold up: 29 monitor process(es), want one per service")
	r.Absent[toolCompose] = "compose not in -tools"
	r.Absent[toolV1] = "v1 not in -tools"
	rp := report{
		Machine: machine{
			CPUs: 2, Memory: "23.5 GiB", Kernel: "6.1.0", Dockerd: "20.10.24 (API 1.41)", Commit: "abc1234",
			Date: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC), Image: sleeperImage,
			Tools: map[string]string{
				toolBerth: "built from this tree", toolNative: "berth --engine native, built from this tree; runc version 1.1.5+ds1; state in a temp BERTH_ROOT",
				toolCompose: "not measured: compose not in -tools", toolV1: "not measured: v1 not in -tools", toolFloor: "engine/docker, API 1.41",
			},
		},
		Config:  config{Sizes: []int{10, 30}, Runs: 3, Changes: 5, Repeats: 3, Parallel: 64},
		Results: r,
		Tools:   []string{toolBerth, toolNative, toolFloor},
	}
	checkGolden(t, rp, "report_native.golden")
}

// TestReportCIGolden is a -ci-cycle only run: no sizes, the CI cycle's two
// rows, n/a for the tools without one.
func TestReportCIGolden(t *testing.T) {
	r := fixture(map[string]map[string]map[int]float64{
		toolBerth:   {opCICycle: {ciServices: 3100}, opCICycleReap: {ciServices: 3400}},
		toolCompose: {opCICycle: {ciServices: 3500}},
	})
	r.CICycle = true
	rp := report{
		Machine: machine{
			CPUs: 2, Memory: "23.5 GiB", Kernel: "6.1.0", Dockerd: "20.10.24 (API 1.41)", Commit: "abc1234",
			Date: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC), Image: sleeperImage,
			Tools: map[string]string{toolBerth: "built from this tree", toolCompose: "5.5.0", toolV1: "1.29.2"},
		},
		Config:  config{Runs: 3, Changes: 5, Repeats: 3, Parallel: 64, CICycle: ciOnly},
		Results: r,
		Tools:   []string{toolBerth, toolCompose, toolV1},
	}
	checkGolden(t, rp, "report_ci.golden")
}

func checkGolden(t *testing.T, rp report, name string) {
	t.Helper()
	var b strings.Builder
	if err := rp.write(&b); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./bench -update to create it)", err)
	}
	if d := cmp.Diff(string(want), b.String()); d != "" {
		t.Errorf("report.write mismatch (-want +got), rerun with -update if intended:\n%s", d)
	}
}

func TestFmtDuration(t *testing.T) {
	tests := []struct {
		in   time.Duration
		want string
	}{
		{1234 * time.Microsecond, "1.23 ms"},
		{12345 * time.Microsecond, "12.3 ms"},
		{1840 * time.Millisecond, "1.84 s"},
	}
	for _, tt := range tests {
		if got := fmtDuration(tt.in); got != tt.want {
			t.Errorf("fmtDuration(%v) got %q, want %q", tt.in, got, tt.want)
		}
	}
}
