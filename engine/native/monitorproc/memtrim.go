package monitorproc

import (
	"context"
	"runtime/debug"
	"runtime/metrics"
	"time"

	"github.com/berth-dev/berth/engine/native/exepages"
)

// A monitor idles for most of its container's life, between bursts of
// work: DNS questions, proxied connections, a flood of log lines. After a
// burst the runtime's scavenger gives free heap pages back only down to
// about the heap goal, and slowly; measured on a monitor after 50 lookups,
// that left it 1.2 MiB bigger than before for minutes. trimMemory gives
// them back once the burst is over, and the pages of the executable that
// the burst mapped (see exepages.Release).
const (
	// trimInterval is how often a monitor checks whether to trim.
	trimInterval = 30 * time.Second
	// trimAfter is how much a monitor allocates before it trims: a
	// container that logs a line a second stays well below it.
	trimAfter = 1 << 20
)

// trimMemory returns the heap's free pages to the kernel every
// trimInterval in which the process allocated trimAfter bytes or more,
// until ctx is done. It reads the allocations with runtime/metrics, not
// runtime.ReadMemStats, which flushes every span cache to the central
// lists: measured, that first flush alone cost a monitor 0.4 MiB of
// memory for the span lists' blocks.
func trimMemory(ctx context.Context) {
	allocs := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	read := func() uint64 {
		metrics.Read(allocs)
		if allocs[0].Value.Kind() != metrics.KindUint64 {
			return 0
		}
		return allocs[0].Value.Uint64()
	}
	last := read()
	t := time.NewTicker(trimInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if n := read(); n-last >= trimAfter {
			debug.FreeOSMemory()
			// The burst's code, and the collector's, go too.
			exepages.Release()
			last = read()
		}
	}
}
