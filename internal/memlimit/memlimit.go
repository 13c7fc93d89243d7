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
	sample := []metrics.Sample{
		{Name: "/gc/heap/live:bytes"},
		{Name: "/memory/classes/total:bytes"},
		{Name: "/memory/classes/heap/objects:bytes"},
		{Name: "/memory/classes/heap/unused:bytes"},
		{Name: "/memory/classes/heap/free:bytes"},
		{Name: "/memory/classes/heap/released:bytes"},
	}
	var arm func()
	arm = func() {
		// A cleanup runs after the collection that found its object
		// unreachable, which this one is at once: one call per cycle.
		runtime.AddCleanup(new(beacon), func(struct{}) {
			metrics.Read(sample)
			var v [6]uint64
			for i, x := range sample {
				if x.Value.Kind() == metrics.KindUint64 {
					v[i] = x.Value.Uint64()
				}
			}
			// What the runtime holds besides the heap: goroutine
			// stacks above all (hundreds of goroutines waiting on
			// containers take megabytes), and its metadata.
			heap := v[2] + v[3] + v[4] + v[5]
			limit = nextLimit(limit, v[0], v[1]-min(v[1], heap))
			debug.SetMemoryLimit(limit)
			arm()
		}, struct{}{})
	}
	arm()
}

// beacon is big enough to get an allocation of its own: the runtime
// batches smaller pointer-free objects, and a batch is freed only when all
// of it is.
type beacon [16]byte

// nextLimit is the soft limit after a collection that found live bytes live
// and other bytes of the runtime's own beside the heap, under the limit
// current: headroom times the live heap, or the live heap twice (room to
// grow by as much again) plus the other bytes, when either is more. The
// other bytes count against the limit as the heap does: when they are many
// (a few hundred goroutines' stacks, the runtime's metadata), headroom
// times the live heap would leave the heap no room, and the collector
// would run back to back.
// It never comes down: once a large load is over, the heap it grew stays
// mapped for a while and counts against the limit, and a limit below it
// would have the collector run back to back over a small live heap.
func nextLimit(current int64, live, other uint64) int64 {
	if other > math.MaxInt64/2 || live > (math.MaxInt64/2-other)/headroom {
		return math.MaxInt64
	}
	return max(current, headroom*int64(live), 2*int64(live)+int64(other))
}
