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

// headroom is how far above the live heap the limit sits once a project
// is large enough for the base limit to bind: three times covers the heap's
// own doubling and the runtime's stacks and metadata.
const headroom = 3

// Install sets the process's soft memory limit to base bytes, then raises
// it whenever a collection finds more than a third of it live. It
// does nothing when the GOMEMLIMIT environment variable, passed as
// gomemlimit, is set, to a limit or to off: that is the user's choice.
func Install(base int64, gomemlimit string) {
	if gomemlimit != "" {
		return
	}
	limit := base
	debug.SetMemoryLimit(limit)
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	var arm func()
	arm = func() {
		// A cleanup runs after the collection that found its object
		// unreachable, which this one is at once: one call per cycle.
		runtime.AddCleanup(new(beacon), func(struct{}) {
			metrics.Read(sample)
			if sample[0].Value.Kind() == metrics.KindUint64 {
				limit = nextLimit(limit, sample[0].Value.Uint64())
				debug.SetMemoryLimit(limit)
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

// nextLimit is the soft limit after a collection that found live bytes live,
// under the limit current: headroom times the live heap when that is more.
// It never comes down: once a large load is over, the heap it grew stays
// mapped for a while and counts against the limit, and a limit below it
// would have the collector run back to back over a small live heap.
func nextLimit(current int64, live uint64) int64 {
	if live > uint64(math.MaxInt64/headroom) {
		return math.MaxInt64
	}
	return max(current, headroom*int64(live))
}
