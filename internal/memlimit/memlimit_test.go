package memlimit

import (
	"math"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

func TestLimit(t *testing.T) {
	const mib = 1 << 20
	for _, tc := range []struct {
		current int64
		live    uint64
		other   uint64
		want    int64
	}{
		{current: 16 * mib, live: 0, want: 16 * mib},
		{current: 16 * mib, live: 5 * mib, want: 16 * mib},
		{current: 16 * mib, live: 6 * mib, want: 18 * mib},
		{current: 16 * mib, live: 100 * mib, want: 300 * mib},
		{current: 300 * mib, live: 6 * mib, want: 300 * mib}, // never down
		// 4 MiB live and 14 MiB of goroutine stacks: the heap keeps room
		// to grow by as much again.
		{current: 16 * mib, live: 4 * mib, other: 14 * mib, want: 22 * mib},
		{current: 16 * mib, live: 1 * mib, other: 2 * mib, want: 16 * mib},
		{current: 16 * mib, live: 8 * mib, other: 3 * mib, want: 24 * mib},
		{current: 16 * mib, live: math.MaxUint64, want: math.MaxInt64},
		{current: 16 * mib, live: math.MaxInt64 / 3, other: 1 * mib, want: math.MaxInt64},
		{current: 16 * mib, live: 1, other: math.MaxUint64, want: math.MaxInt64},
	} {
		if got := nextLimit(tc.current, tc.live, tc.other); got != tc.want {
			t.Errorf("nextLimit(%d, %d, %d) = %d, want %d", tc.current, tc.live, tc.other, got, tc.want)
		}
	}
}

// The process-wide limit is set in a child process of its own, so that it
// cannot slow the other tests.
const childEnv = "MEMLIMIT_TEST_CHILD"

// TestInstallFollowsLiveHeap keeps 40 MiB live under a 4 MiB base limit: the
// limit must rise past it, and allocating on top of it must not make the
// collector run back to back, as a fixed limit below the live heap does.
func TestInstallFollowsLiveHeap(t *testing.T) {
	if os.Getenv(childEnv) == "" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestInstallFollowsLiveHeap$", "-test.v")
		cmd.Env = append(os.Environ(), childEnv+"=1")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("child: %v\n%s", err, out)
		}
		t.Logf("child:\n%s", out)
		return
	}
	const mib = 1 << 20
	Install(4*mib, "")
	if got := debug.SetMemoryLimit(-1); got != 4*mib {
		t.Fatalf("limit after Install = %d, want %d", got, 4*mib)
	}
	live := make([][]byte, 0, 40)
	for range 40 {
		live = append(live, make([]byte, mib))
	}
	// Cleanups run on a goroutine of their own after a cycle.
	deadline := time.Now().Add(5 * time.Second)
	for debug.SetMemoryLimit(-1) < 3*40*mib && time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	if got := debug.SetMemoryLimit(-1); got < 3*40*mib {
		t.Fatalf("limit with 40 MiB live = %d MiB, want at least 120", got/mib)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	var sink []byte
	for range 400 {
		sink = make([]byte, 64<<10) // 25 MiB on top of the live 40
	}
	runtime.ReadMemStats(&after)
	// The heap may grow to twice the live 40 MiB before a cycle is due;
	// under a limit left at 4 MiB, the collector runs over and over.
	if n := after.NumGC - before.NumGC; n > 2 {
		t.Errorf("%d collections while allocating 25 MiB over 40 MiB live, want at most 2", n)
	}
	runtime.KeepAlive(sink)

	// Once the 40 MiB are garbage, the heap they took stays mapped for a
	// while: a limit that came down with the live heap would have the
	// collector run over and over.
	runtime.KeepAlive(live)
	live = nil
	for range 3 {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	if got := debug.SetMemoryLimit(-1); got < 3*40*mib {
		t.Errorf("limit after the 40 MiB were freed = %d MiB, want it kept at 120 or more", got/mib)
	}
	runtime.KeepAlive(sink)
}

// Install leaves the limit alone when GOMEMLIMIT is set, to off included.
func TestInstallKeepsGOMEMLIMIT(t *testing.T) {
	for _, value := range []string{"64MiB", "off"} {
		t.Run(value, func(t *testing.T) {
			if os.Getenv(childEnv) == "" {
				cmd := exec.Command(os.Args[0], "-test.run=^TestInstallKeepsGOMEMLIMIT$/^"+value+"$")
				cmd.Env = append(os.Environ(), childEnv+"=1", "GOMEMLIMIT="+value)
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("child: %v\n%s", err, out)
				}
				return
			}
			before := debug.SetMemoryLimit(-1)
			Install(4<<20, os.Getenv("GOMEMLIMIT"))
			if got := debug.SetMemoryLimit(-1); got != before {
				t.Errorf("limit = %d after Install with GOMEMLIMIT=%s, want %d as before", got, value, before)
			}
		})
	}
}
