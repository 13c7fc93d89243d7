package main

import (
	"fmt"
	"slices"
	"time"
)

// key names one cell of the results table.
type key struct {
	Tool string
	Op   string
	Size int
}

// results collects every sample, failure and oddity of a bench run. It is
// filled by one goroutine, so it has no lock.
type results struct {
	Samples map[key][]sample
	// Failed holds the first error of an operation; it is not retried in
	// later runs, and its cell reads "failed".
	Failed map[key]string
	// Notes are things that make a figure suspect (a no-op that recreated
	// containers, a down that left some behind), with how often they happened.
	Notes map[string]int
	// Stranded lists projects whose networks dockerd would not remove
	// (stale endpoints), in the order they happened.
	Stranded []string
	// Absent maps a tool that could not be measured to the reason, e.g.
	// "docker compose v2+ not installed".
	Absent map[string]string
	// CICycle is whether the CI cycle was measured (see -ci-cycle).
	CICycle bool
	// Monitors holds the native engine's monitors as read at each
	// snapshot: one slice per cycle, one procMem per monitor.
	Monitors map[monitorKey][][]procMem
}

func newResults() *results {
	return &results{
		Samples:  map[key][]sample{},
		Failed:   map[key]string{},
		Notes:    map[string]int{},
		Absent:   map[string]string{},
		Monitors: map[monitorKey][][]procMem{},
	}
}

func (r *results) add(k key, s sample) { r.Samples[k] = append(r.Samples[k], s) }

func (r *results) fail(k key, err error) {
	if _, ok := r.Failed[k]; !ok {
		r.Failed[k] = err.Error()
	}
}

func (r *results) failed(tool, op string, size int) bool {
	_, ok := r.Failed[key{tool, op, size}]
	return ok
}

func (r *results) note(format string, args ...any) { r.Notes[fmt.Sprintf(format, args...)]++ }

// median is the median wall-clock time of k's samples. An operation that
// failed in any run has none: the runs that passed would flatter it.
func (r *results) median(k key) (time.Duration, bool) {
	ss := r.Samples[k]
	if _, failed := r.Failed[k]; failed || len(ss) == 0 {
		return 0, false
	}
	walls := make([]time.Duration, len(ss))
	for i, s := range ss {
		walls[i] = s.Wall
	}
	return median(walls), true
}

// medianRSS is the median peak RSS of k's samples, in bytes.
func (r *results) medianRSS(k key) (int64, bool) {
	if _, failed := r.Failed[k]; failed {
		return 0, false
	}
	var rss []int64
	for _, s := range r.Samples[k] {
		if s.RSS > 0 {
			rss = append(rss, s.RSS)
		}
	}
	if len(rss) == 0 {
		return 0, false
	}
	return median(rss), true
}

// peakRSS is the largest RSS of any sample of tool at size, on the stacks
// of -sizes: the CI cycle's stack is another, with its RSS in its own row.
func (r *results) peakRSS(tool string, size int) (int64, bool) {
	var peak int64
	for k, ss := range r.Samples {
		if k.Tool != tool || k.Size != size || slices.Contains(ciOps(), k.Op) {
			continue
		}
		for _, s := range ss {
			peak = max(peak, s.RSS)
		}
	}
	return peak, peak > 0
}

// median of an even count is the mean of the middle two, so that two runs
// report their average rather than the faster one.
func median[T int64 | time.Duration](xs []T) T {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
