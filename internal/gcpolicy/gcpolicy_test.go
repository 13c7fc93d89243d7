package gcpolicy

import (
	"math"
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

// current reads the collector settings without changing them.
func current() (percent int, limit int64) {
	percent = debug.SetGCPercent(100)
	debug.SetGCPercent(percent)
	return percent, debug.SetMemoryLimit(-1)
}

// Not parallel: the settings are process-wide.
func TestApplyRespectsUserSettings(t *testing.T) {
	for _, env := range []map[string]string{{"GOGC": "50"}, {"GOMEMLIMIT": "1GiB"}} {
		restoreDefault()
		Apply(env)
		if p, l := current(); p != 100 || l != math.MaxInt64 {
			t.Errorf("Apply(%v) changed the collector to GOGC=%d limit=%d; the user's setting must win", env, p, l)
		}
	}
}

func TestApplyRelaxesThenRestoresWhenTheLiveHeapGrows(t *testing.T) {
	t.Cleanup(restoreDefault)
	Apply(map[string]string{})
	if p, l := current(); p != -1 || l != Budget {
		t.Fatalf("after Apply: GOGC=%d limit=%d, want off and %d", p, l, Budget)
	}
	// Hold more than half the budget live, then collect until the
	// finalizer has seen it.
	live := make([][]byte, 0, 16)
	for range 12 {
		live = append(live, make([]byte, 1<<20))
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		runtime.GC()
		if p, l := current(); p == 100 && l == math.MaxInt64 {
			break
		}
		if time.Now().After(deadline) {
			p, l := current()
			t.Fatalf("live heap of %d MiB never restored the default: GOGC=%d limit=%d", len(live), p, l)
		}
		time.Sleep(10 * time.Millisecond)
	}
	runtime.KeepAlive(live)
}

func TestAfterEachGCStopsWhenAsked(t *testing.T) {
	calls := make(chan struct{}, 100)
	afterEachGC(func() bool {
		calls <- struct{}{}
		return len(calls) < 3
	})
	deadline := time.Now().Add(5 * time.Second)
	for len(calls) < 3 && time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(5 * time.Millisecond)
	}
	for range 5 {
		runtime.GC()
		time.Sleep(5 * time.Millisecond)
	}
	if n := len(calls); n != 3 {
		t.Errorf("callback ran %d times, want exactly 3 (twice re-armed, then stopped)", n)
	}
}
