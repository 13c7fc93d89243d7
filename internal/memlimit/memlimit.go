// Package memlimit keeps a berth process's memory near what its project
// needs. The Go runtime lets the heap grow to twice what was live at the
// last collection; in a process that lives for tens of milliseconds, the
// moment a collection starts decides the peak, which then varies by
// megabytes from one run to the next. A soft limit makes the collector run
// sooner when memory nears it, and the limit follows the live heap upward
// so that a large project never makes the collector run without pause.
package memlimit

import (
	"math"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
)

// Headroom is how far above the live heap the limit sits once a project
// is large enough for the base limit to bind: three times covers the heap's
// own doubling and the runtime's stacks and metadata.
const Headroom = 3

// Install sets the process's soft memory limit to base bytes, then raises
// it after every collection that finds more than base/Headroom live. It
// does nothing when GOMEMLIMIT already set a limit: that is the user's.
func Install(base int64) {
	if debug.SetMemoryLimit(-1) != math.MaxInt64 {
		return
	}
	debug.SetMemoryLimit(base)
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	var arm func()
	arm = func() {
		// A cleanup runs after the collection that found its object
		// unreachable, which this one is at once: one call per cycle.
		runtime.AddCleanup(new(beacon), func(struct{}) {
			metrics.Read(sample)
			if sample[0].Value.Kind() == metrics.KindUint64 {
				debug.SetMemoryLimit(Limit(base, sample[0].Value.Uint64()))
			}
			arm()
		}, struct{}{})
	}
	arm()
}

// beacon is big enough to get an allocation of its own: the runtime
// batches smaller pointer-free objects, and a batch is freed only when all
// of it is.
type beacon [16]byte

// Limit is the soft limit for a process with live bytes live after a
// collection: base, or Headroom times the live heap when that is more.
func Limit(base int64, live uint64) int64 {
	if live > uint64(math.MaxInt64/Headroom) {
		return math.MaxInt64
	}
	return max(base, Headroom*int64(live))
}
