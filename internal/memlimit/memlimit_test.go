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
		base int64
		live uint64
		want int64
	}{
		{base: 16 * mib, live: 0, want: 16 * mib},
		{base: 16 * mib, live: 5 * mib, want: 16 * mib},
		{base: 16 * mib, live: 6 * mib, want: 18 * mib},
		{base: 16 * mib, live: 100 * mib, want: 300 * mib},
		{base: 16 * mib, live: math.MaxUint64, want: math.MaxInt64},
	} {
		if got := Limit(tc.base, tc.live); got != tc.want {
			t.Errorf("Limit(%d, %d) = %d, want %d", tc.base, tc.live, got, tc.want)
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
		cmd.Env = append(os.Environ(), childEnv+"=1", "GOMEMLIMIT=off")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("child: %v\n%s", err, out)
		}
		t.Logf("child:\n%s", out)
		return
	}
	const mib = 1 << 20
	Install(4 * mib)
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
	runtime.KeepAlive(live)
	runtime.KeepAlive(sink)
}

// Install leaves a limit set through GOMEMLIMIT alone.
func TestInstallKeepsGOMEMLIMIT(t *testing.T) {
	if os.Getenv(childEnv) == "" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestInstallKeepsGOMEMLIMIT$")
		cmd.Env = append(os.Environ(), childEnv+"=1", "GOMEMLIMIT=64MiB")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("child: %v\n%s", err, out)
		}
		return
	}
	Install(4 << 20)
	if got := debug.SetMemoryLimit(-1); got != 64<<20 {
		t.Errorf("limit = %d with GOMEMLIMIT=64MiB, want %d", got, 64<<20)
	}
}
