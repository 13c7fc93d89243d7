package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Targets from the Benchmarks issue. The cheap commands are compared at 50
// services, the size the issue names; the engine-bound ones at every size.
const (
	targetSize       = 50
	targetVsCompose  = 0.2  // berth/docker compose for no-op up, ps, config
	targetUpDown     = 1.05 // berth/floor for cold up and down
	targetChange     = 1.1  // berth/hand recreate for the one-service change
	targetRSS        = 25 << 20
	targetCICycle    = 1.0 // berth ci/the docker compose script for the CI cycle
	statusMet        = "met"
	statusMissed     = "missed"
	statusNotMeasure = "not measured"
)

// targetResult is one target checked against the measurements.
type targetResult struct {
	Op       string // the row it belongs to; "" for targets spanning rows
	Size     int    // 0 for targets spanning sizes
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
		t.Measured, t.Status = ratioStatus(r, a.Op, targetSize, toolCompose, targetVsCompose, hasSize(targetSize))
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
			t.Measured, t.Status = ratioStatus(r, c.op, size, toolFloor, c.limit, true)
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
		t.Measured, t.Status = ratioStatus(r, opCICycle, ciServices, toolCompose, targetCICycle, true)
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

// ratioStatus compares berth with other on op at size.
func ratioStatus(r *results, op string, size int, other string, limit float64, sizeMeasured bool) (string, string) {
	if !sizeMeasured {
		return "", notMeasured(fmt.Sprintf("%d services not in -sizes", size))
	}
	if why, absent := r.Absent[other]; absent {
		return "", notMeasured(why)
	}
	if r.failed(toolBerth, op, size) {
		return "", statusMissed + " (berth failed; see Problems)"
	}
	x, ok := r.ratio(op, size, other)
	if !ok {
		if _, has := r.median(key{other, op, size}); !has {
			return "", notMeasured("no " + toolTitle(other) + " figure")
		}
		return "", notMeasured("no berth figure")
	}
	return fmt.Sprintf("%.2f×", x), metIf(x <= limit)
}

// ratio is berth's median over other's median for op at size.
func (r *results) ratio(op string, size int, other string) (float64, bool) {
	b, okB := r.median(key{toolBerth, op, size})
	o, okO := r.median(key{other, op, size})
	if !okB || !okO || o == 0 {
		return 0, false
	}
	return float64(b) / float64(o), true
}

// fmtFactor prints a limit without trailing zeros: 1.05, 1.1, 4.
func fmtFactor(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }

func metIf(ok bool) string {
	if ok {
		return statusMet
	}
	return statusMissed
}

func notMeasured(why string) string { return statusNotMeasure + " (" + why + ")" }
