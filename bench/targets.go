package main

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Targets from the Benchmarks issue. The cheap commands are compared at 50
// services, the size the issue names; the engine-bound ones at every size.
const (
	targetSize      = 50
	targetVsCompose = 0.2  // berth/docker compose for no-op up, ps, config
	targetUpDown    = 1.05 // berth/floor for cold up and down
	targetChange    = 1.1  // berth/hand recreate for the one-service change
	targetRSS       = 25 << 20
	targetCICycle   = 1.0 // berth ci/the docker compose script for the CI cycle
	// The native engine against berth on dockerd, cold up and down at
	// nativeSize services: at least 5× faster.
	targetNative     = 0.2
	targetMonitorRSS = 3 << 20 // peak RSS of each native monitor
	statusMet        = "met"
	statusMissed     = "missed"
	statusNotMeasure = "not measured"
)

// targetResult is one target checked against the measurements.
type targetResult struct {
	Op       string // the row it belongs to; "" for targets spanning rows
	Size     int    // 0 for targets spanning sizes
	Tool     string // the tool judged, when not berth
	Desc     string
	Measured string
	Status   string // met, missed, or "not measured (why)"
}

func absoluteTargets() []struct {
	Op  string
	Max time.Duration
} {
	return []struct {
		Op  string
		Max time.Duration
	}{
		{opNoopUp, 30 * time.Millisecond},
		{opPs, 20 * time.Millisecond},
		{opConfig, 15 * time.Millisecond},
	}
}

// evalTargets checks every target of the issue that the chosen sizes and
// tools can answer, and says why for the rest.
func evalTargets(r *results, sizes []int) []targetResult {
	var out []targetResult
	hasSize := func(n int) bool { return slices.Contains(sizes, n) }
	for _, a := range absoluteTargets() {
		t := targetResult{Op: a.Op, Size: targetSize, Desc: fmt.Sprintf("%s on %d services ≤ %s× docker compose", a.Op, targetSize, fmtFactor(targetVsCompose))}
		t.Measured, t.Status = ratioStatus(r, toolBerth, toolCompose, a.Op, targetSize, targetVsCompose, hasSize(targetSize))
		out = append(out, t)
	}
	for _, a := range absoluteTargets() {
		t := targetResult{Op: a.Op, Size: targetSize, Desc: fmt.Sprintf("%s on %d services ≤ %s", a.Op, targetSize, fmtDuration(a.Max))}
		d, ok := r.median(key{toolBerth, a.Op, targetSize})
		switch {
		case !hasSize(targetSize):
			t.Status = notMeasured(fmt.Sprintf("%d services not in -sizes", targetSize))
		case r.failed(toolBerth, a.Op, targetSize):
			t.Status = statusMissed + " (berth failed; see Problems)"
		case !ok:
			t.Status = notMeasured("no berth figure")
		default:
			t.Measured = fmtDuration(d)
			t.Status = metIf(d <= a.Max)
		}
		out = append(out, t)
	}
	for _, size := range sizes {
		for _, c := range []struct {
			op    string
			limit float64
			floor string
		}{
			{opColdUp, targetUpDown, "floor"},
			{opDown, targetUpDown, "floor"},
			{opChange, targetChange, "hand recreate"},
		} {
			t := targetResult{Op: c.op, Size: size, Desc: fmt.Sprintf("%s on %d services ≤ %s× %s", c.op, size, fmtFactor(c.limit), c.floor)}
			t.Measured, t.Status = ratioStatus(r, toolBerth, toolFloor, c.op, size, c.limit, true)
			out = append(out, t)
		}
	}
	for _, size := range sizes {
		t := targetResult{Size: size, Desc: fmt.Sprintf("berth peak RSS on %d services ≤ %s", size, fmtMiB(targetRSS))}
		if peak, ok := r.peakRSS(toolBerth, size); ok {
			t.Measured = fmtMiB(peak)
			t.Status = metIf(peak <= targetRSS)
		} else {
			t.Status = notMeasured("no berth figure")
		}
		out = append(out, t)
	}
	out = append(out, growthTarget(r, sizes))
	if r.CICycle {
		t := targetResult{Op: opCICycle, Size: ciServices, Desc: fmt.Sprintf("CI cycle on %d services ≤ %s× docker compose", ciServices, fmtFactor(targetCICycle))}
		t.Measured, t.Status = ratioStatus(r, toolBerth, toolCompose, opCICycle, ciServices, targetCICycle, true)
		out = append(out, t)
	}
	return append(out, nativeTargets(r, sizes)...)
}

// nativeTargets checks the native engine: cold up and down at nativeSize
// services against berth on dockerd, and its monitors' peak RSS at every
// size.
func nativeTargets(r *results, sizes []int) []targetResult {
	var out []targetResult
	for _, op := range []string{opColdUp, opDown} {
		t := targetResult{Op: op, Size: nativeSize, Tool: toolNative,
			Desc: fmt.Sprintf("native %s on %d services ≤ %s× berth on dockerd", op, nativeSize, fmtFactor(targetNative))}
		t.Measured, t.Status = ratioStatus(r, toolNative, toolBerth, op, nativeSize, targetNative, slices.Contains(sizes, nativeSize))
		out = append(out, t)
	}
	if why, absent := r.Absent[toolNative]; absent {
		return append(out, targetResult{Tool: toolNative, Desc: fmt.Sprintf("native monitor peak RSS ≤ %s each", fmtMiB(targetMonitorRSS)), Status: notMeasured(why)})
	}
	for _, size := range sizes {
		t := targetResult{Size: size, Tool: toolNative, Desc: fmt.Sprintf("native monitor peak RSS on %d services ≤ %s each", size, fmtMiB(targetMonitorRSS))}
		if st, ok := r.monitorStats(size); ok {
			t.Measured = fmt.Sprintf("VmHWM max %s (RssAnon max %s, Pss max %s)", fmtMiB(st.HWM.Max), fmtMiB(st.Anon.Max), orMiB(st.Pss.Max))
			t.Status = metIf(st.HWM.Max <= targetMonitorRSS)
		} else {
			t.Status = notMeasured("no monitor read")
		}
		out = append(out, t)
	}
	return out
}

// growthTarget checks that no-op up -d grows at most linearly: between any
// two consecutive sizes, time per service must not grow. Fixed start-up cost
// makes a healthy tool strongly sublinear; quadratic work fails.
func growthTarget(r *results, sizes []int) targetResult {
	t := targetResult{Op: opNoopUp, Desc: "no-op up -d grows at most linearly with services"}
	var steps []string
	met := true
	for i := 1; i < len(sizes); i++ {
		a, b := sizes[i-1], sizes[i]
		da, okA := r.median(key{toolBerth, opNoopUp, a})
		db, okB := r.median(key{toolBerth, opNoopUp, b})
		if !okA || !okB {
			continue
		}
		grow, limit := float64(db)/float64(da), float64(b)/float64(a)
		steps = append(steps, fmt.Sprintf("%d→%d: ×%.2f (limit ×%s)", a, b, grow, fmtFactor(limit)))
		met = met && grow <= limit
	}
	if len(steps) == 0 {
		t.Status = notMeasured("needs berth figures at two sizes or more")
		return t
	}
	t.Measured = strings.Join(steps, "; ")
	t.Status = metIf(met)
	return t
}

// ratioStatus compares tool with other on op at size: tool's median over
// other's, met when at most limit.
func ratioStatus(r *results, tool, other, op string, size int, limit float64, sizeMeasured bool) (string, string) {
	if !sizeMeasured {
		return "", notMeasured(fmt.Sprintf("%d services not in -sizes", size))
	}
	for _, t := range []string{other, tool} {
		if why, absent := r.Absent[t]; absent {
			return "", notMeasured(why)
		}
	}
	if r.failed(tool, op, size) {
		return "", fmt.Sprintf("%s (%s failed; see Problems)", statusMissed, toolTitle(tool))
	}
	x, ok := r.ratioOf(tool, other, op, size)
	if !ok {
		if _, has := r.median(key{other, op, size}); !has {
			return "", notMeasured("no " + toolTitle(other) + " figure")
		}
		return "", notMeasured("no " + toolTitle(tool) + " figure")
	}
	return fmt.Sprintf("%.2f×", x), metIf(x <= limit)
}

// ratioOf is tool's median over other's median for op at size.
func (r *results) ratioOf(tool, other, op string, size int) (float64, bool) {
	a, okA := r.median(key{tool, op, size})
	b, okB := r.median(key{other, op, size})
	if !okA || !okB || b == 0 {
		return 0, false
	}
	return float64(a) / float64(b), true
}

// fmtFactor prints a limit to two decimals without trailing zeros: 1.05,
// 1.1, 4, and 1.67 for 50/30.
func fmtFactor(x float64) string { return strconv.FormatFloat(math.Round(x*100)/100, 'f', -1, 64) }

func metIf(ok bool) string {
	if ok {
		return statusMet
	}
	return statusMissed
}

func notMeasured(why string) string { return statusNotMeasure + " (" + why + ")" }
