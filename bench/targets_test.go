package main

import (
	"errors"
	"testing"
	"time"
)

// fixture fills results with one sample per cell from ms, keyed as
// tool → op → size → milliseconds.
func fixture(ms map[string]map[string]map[int]float64) *results {
	r := newResults()
	for tool, ops := range ms {
		for op, sizes := range ops {
			for size, v := range sizes {
				r.add(key{tool, op, size}, sample{Wall: time.Duration(v * float64(time.Millisecond)), RSS: 20 << 20})
			}
		}
	}
	return r
}

func findTarget(ts []targetResult, desc string) (targetResult, bool) {
	for _, t := range ts {
		if t.Desc == desc {
			return t, true
		}
	}
	return targetResult{}, false
}

func TestEvalTargets(t *testing.T) {
	r := fixture(map[string]map[string]map[int]float64{
		toolBerth: {
			opNoopUp: {10: 20, 50: 25, 200: 120},
			opPs:     {50: 25},
			opConfig: {50: 10},
			opColdUp: {10: 1000},
			opDown:   {10: 1100},
			opChange: {10: 100},
		},
		toolCompose: {
			opNoopUp: {50: 200},
			opPs:     {50: 100},
		},
		toolFloor: {
			opColdUp: {10: 1000},
			opDown:   {10: 1000},
		},
	})
	r.add(key{toolBerth, opLogs, 10}, sample{Wall: time.Millisecond, RSS: 30 << 20})
	ts := evalTargets(r, []int{10, 50, 200})
	tests := []struct {
		desc     string
		measured string
		status   string
	}{
		{"up -d (no-op) on 50 services ≤ 0.2× docker compose", "0.12×", statusMet},
		{"ps on 50 services ≤ 0.2× docker compose", "0.25×", statusMissed},
		{"config -q on 50 services ≤ 0.2× docker compose", "", "not measured (no docker compose figure)"},
		{"up -d (no-op) on 50 services ≤ 30.0 ms", "25.0 ms", statusMet},
		{"ps on 50 services ≤ 20.0 ms", "25.0 ms", statusMissed},
		{"config -q on 50 services ≤ 15.0 ms", "10.0 ms", statusMet},
		{"up -d (cold) on 10 services ≤ 1.05× floor", "1.00×", statusMet},
		{"down on 10 services ≤ 1.05× floor", "1.10×", statusMissed},
		{"up -d (one service changed) on 10 services ≤ 1.1× hand recreate", "", "not measured (no engine floor figure)"},
		{"up -d (cold) on 50 services ≤ 1.05× floor", "", "not measured (no engine floor figure)"},
		{"berth peak RSS on 10 services ≤ 25.0 MiB", "30.0 MiB", statusMissed},
		{"berth peak RSS on 50 services ≤ 25.0 MiB", "20.0 MiB", statusMet},
		{"no-op up -d grows at most linearly with services", "10→50: ×1.25 (limit ×5); 50→200: ×4.80 (limit ×4)", statusMissed},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			got, ok := findTarget(ts, tt.desc)
			if !ok {
				t.Fatalf("evalTargets has no target %q", tt.desc)
			}
			if got.Measured != tt.measured || got.Status != tt.status {
				t.Errorf("evalTargets %q got (%q, %q), want (%q, %q)", tt.desc, got.Measured, got.Status, tt.measured, tt.status)
			}
		})
	}
}

func TestEvalTargetsAbsent(t *testing.T) {
	r := fixture(map[string]map[string]map[int]float64{toolBerth: {opNoopUp: {10: 20}}})
	r.Absent[toolCompose] = "docker compose v2+ is not installed"
	ts := evalTargets(r, []int{10})
	tests := []struct{ desc, status string }{
		{"up -d (no-op) on 50 services ≤ 0.2× docker compose", "not measured (50 services not in -sizes)"},
		{"ps on 50 services ≤ 20.0 ms", "not measured (50 services not in -sizes)"},
		{"no-op up -d grows at most linearly with services", "not measured (needs berth figures at two sizes or more)"},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			got, ok := findTarget(ts, tt.desc)
			if !ok {
				t.Fatalf("evalTargets has no target %q", tt.desc)
			}
			if got.Status != tt.status {
				t.Errorf("evalTargets %q status got %q, want %q", tt.desc, got.Status, tt.status)
			}
		})
	}

	r = fixture(map[string]map[string]map[int]float64{toolBerth: {opNoopUp: {50: 20}}})
	r.Absent[toolCompose] = "docker compose v2+ is not installed"
	got, _ := findTarget(evalTargets(r, []int{50}), "up -d (no-op) on 50 services ≤ 0.2× docker compose")
	if want := "not measured (docker compose v2+ is not installed)"; got.Status != want {
		t.Errorf("evalTargets with compose absent got %q, want %q", got.Status, want)
	}
}

func TestEvalTargetsCICycle(t *testing.T) {
	const desc = "CI cycle on 10 services ≤ 1× docker compose"
	tests := []struct {
		name             string
		berth, compose   float64 // ms; 0 leaves the figure out
		measured, status string
		absent, off      bool
	}{
		{name: "faster", berth: 1800, compose: 2000, measured: "0.90×", status: statusMet},
		{name: "as fast", berth: 2000, compose: 2000, measured: "1.00×", status: statusMet},
		{name: "slower", berth: 2200, compose: 2000, measured: "1.10×", status: statusMissed},
		{name: "compose absent", berth: 1800, absent: true, status: "not measured (docker compose v2+ is not installed)"},
		{name: "no compose figure", berth: 1800, status: "not measured (no docker compose figure)"},
		{name: "not measured", berth: 1800, compose: 2000, off: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ms := map[string]map[string]map[int]float64{toolBerth: {opCICycle: {ciServices: tt.berth}}}
			if tt.compose > 0 {
				ms[toolCompose] = map[string]map[int]float64{opCICycle: {ciServices: tt.compose}}
			}
			r := fixture(ms)
			r.CICycle = !tt.off
			if tt.absent {
				r.Absent[toolCompose] = "docker compose v2+ is not installed"
			}
			got, ok := findTarget(evalTargets(r, nil), desc)
			if tt.off {
				if ok {
					t.Fatalf("evalTargets without the CI cycle has target %q", desc)
				}
				return
			}
			if !ok {
				t.Fatalf("evalTargets has no target %q", desc)
			}
			if got.Measured != tt.measured || got.Status != tt.status {
				t.Errorf("evalTargets %q got (%q, %q), want (%q, %q)", desc, got.Measured, got.Status, tt.measured, tt.status)
			}
			if got.Op != opCICycle || got.Size != ciServices {
				t.Errorf("target row got (%q, %d), want (%q, %d)", got.Op, got.Size, opCICycle, ciServices)
			}
		})
	}
}

func TestEvalTargetsNative(t *testing.T) {
	upDesc := "native up -d (cold) on 30 services ≤ 0.2× berth on dockerd"
	downDesc := "native down on 30 services ≤ 0.2× berth on dockerd"
	rssDesc := "native monitor peak RSS on 30 services ≤ 3.0 MiB each"
	mon := func(hwm, anon int64) []procMem { return []procMem{{VmRSS: hwm, VmHWM: hwm, RssAnon: anon}} }
	tests := []struct {
		name  string
		sizes []int
		ms    map[string]map[string]map[int]float64
		setup func(r *results)
		want  map[string][2]string // desc → measured, status
	}{
		{
			name:  "met",
			sizes: []int{10, 30},
			ms: map[string]map[string]map[int]float64{
				toolBerth:  {opColdUp: {30: 3000}, opDown: {30: 2000}},
				toolNative: {opColdUp: {30: 500}, opDown: {30: 400}},
			},
			setup: func(r *results) {
				r.Monitors[monitorKey{30, phaseAfterUp}] = [][]procMem{mon(2<<20, 1<<20)}
				r.Monitors[monitorKey{30, phaseBeforeDown}] = [][]procMem{mon(3<<20, 1<<19)}
			},
			want: map[string][2]string{
				upDesc:   {"0.17×", statusMet},
				downDesc: {"0.20×", statusMet},
				rssDesc:  {"VmHWM max 3.0 MiB (RssAnon max 1.0 MiB, Pss max –)", statusMet},
				"native monitor peak RSS on 10 services ≤ 3.0 MiB each": {"", "not measured (no monitor read)"},
			},
		},
		{
			name:  "missed",
			sizes: []int{30},
			ms: map[string]map[string]map[int]float64{
				toolBerth:  {opColdUp: {30: 3000}, opDown: {30: 2000}},
				toolNative: {opColdUp: {30: 900}},
			},
			setup: func(r *results) {
				r.fail(key{toolNative, opDown, 30}, errors.New("berth --engine native down: exit status 1"))
				r.Monitors[monitorKey{30, phaseBeforeDown}] = [][]procMem{mon(8<<20, 2<<20)}
			},
			want: map[string][2]string{
				upDesc:   {"0.30×", statusMissed},
				downDesc: {"", "missed (native failed; see Problems)"},
				rssDesc:  {"VmHWM max 8.0 MiB (RssAnon max 2.0 MiB, Pss max –)", statusMissed},
			},
		},
		{
			name:  "native absent",
			sizes: []int{30},
			ms:    map[string]map[string]map[int]float64{toolBerth: {opColdUp: {30: 3000}}},
			setup: func(r *results) { r.Absent[toolNative] = "the native engine needs root (bench runs as uid 1000)" },
			want: map[string][2]string{
				upDesc: {"", "not measured (the native engine needs root (bench runs as uid 1000))"},
				"native monitor peak RSS ≤ 3.0 MiB each": {"", "not measured (the native engine needs root (bench runs as uid 1000))"},
			},
		},
		{
			name:  "berth on dockerd absent",
			sizes: []int{30},
			ms:    map[string]map[string]map[int]float64{toolNative: {opColdUp: {30: 500}}},
			setup: func(r *results) { r.Absent[toolBerth] = "berth not in -tools" },
			want:  map[string][2]string{upDesc: {"", "not measured (berth not in -tools)"}},
		},
		{
			name:  "30 not in -sizes",
			sizes: []int{10},
			ms:    map[string]map[string]map[int]float64{toolNative: {opColdUp: {10: 500}}},
			want:  map[string][2]string{downDesc: {"", "not measured (30 services not in -sizes)"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := fixture(tt.ms)
			if tt.setup != nil {
				tt.setup(r)
			}
			ts := evalTargets(r, tt.sizes)
			for desc, want := range tt.want {
				got, ok := findTarget(ts, desc)
				if !ok {
					t.Errorf("evalTargets has no target %q", desc)
					continue
				}
				if got.Measured != want[0] || got.Status != want[1] {
					t.Errorf("evalTargets %q got (%q, %q), want (%q, %q)", desc, got.Measured, got.Status, want[0], want[1])
				}
				if got.Tool != toolNative {
					t.Errorf("evalTargets %q judges %q, want %q", desc, got.Tool, toolNative)
				}
			}
		})
	}
}

func TestFmtFactor(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{1.05, "1.05"},
		{1.1, "1.1"},
		{4, "4"},
		{0.2, "0.2"},
		{50.0 / 30.0, "1.67"},
	}
	for _, tt := range tests {
		if got := fmtFactor(tt.in); got != tt.want {
			t.Errorf("fmtFactor(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
