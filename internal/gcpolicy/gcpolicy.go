// Package gcpolicy sets the garbage collector up for a command-line run.
//
// A berth command lives for milliseconds and allocates most of what it
// ever will while loading the compose project: with the default GOGC=100
// and its 4 MiB starting goal, a cold load of 50 services runs a dozen
// collections over a live heap of 2-3 MiB, a third of its instructions.
// Collecting only when the heap nears a small fixed budget does the same
// work in a handful of collections and keeps peak memory about where the
// default leaves it.
//
// A fixed budget fails when the live heap itself approaches it (a project
// of a thousand services holds ~15 MiB): the collector would run back to
// back. So the policy watches the live heap after each collection and, once
// it passes half the budget, hands control back to the default.
package gcpolicy

import (
	"math"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
)

// Budget is the total Go memory the relaxed policy collects at.
const Budget = 18 << 20

// liveMetric is the heap still reachable after the last collection.
const liveMetric = "/gc/heap/live:bytes"

// Apply relaxes the collector unless the user has tuned it with GOGC or
// GOMEMLIMIT, which the runtime has already read and which win.
func Apply(environ map[string]string) {
	if _, ok := environ["GOGC"]; ok {
		return
	}
	if _, ok := environ["GOMEMLIMIT"]; ok {
		return
	}
	debug.SetGCPercent(-1)
	debug.SetMemoryLimit(Budget)
	afterEachGC(func() bool {
		if liveHeap() <= Budget/2 {
			return true
		}
		restoreDefault()
		return false
	})
}

// restoreDefault is the runtime's own policy: GOGC=100, no limit.
func restoreDefault() {
	debug.SetGCPercent(100)
	debug.SetMemoryLimit(math.MaxInt64)
}

func liveHeap() uint64 {
	s := []metrics.Sample{{Name: liveMetric}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		// An unknown metric would leave the budget in force forever;
		// go back to the default rather than guess.
		return math.MaxUint64
	}
	return s[0].Value.Uint64()
}

// sentinel carries a pointer so that it is never batched by the tiny
// allocator, whose blocks are freed (and finalized) late.
type sentinel struct{ _ *int }

// afterEachGC calls f after every collection for as long as f returns true.
// The runtime has no such hook; a finalizer on an unreachable object runs
// after the collection that finds it, and re-arming it catches the next.
func afterEachGC(f func() bool) {
	s := &sentinel{}
	runtime.SetFinalizer(s, func(*sentinel) {
		if f() {
			afterEachGC(f)
		}
	})
}
