package main

import (
	"context"
	"fmt"
	"runtime"

	"github.com/berth-dev/berth/engine/native"
)

// isNativeMonitor reports whether berth was started as a native engine's
// container monitor (see native.RunMonitor): a hidden command that main
// dispatches before anything else, as it lives as long as its container
// and every allocation at its start may leave a page behind. It skips
// cobra's command tree and berth's soft memory limit: a monitor lowers its
// GC percent itself (see monitor.Run), and a soft limit is no use to it,
// as the runtime counts its reserved metadata (about 6 MiB, little of it
// resident) against the limit, so that any limit small enough to matter
// would have the collector run without pause.
func isNativeMonitor(args []string) bool {
	return len(args) > 1 && args[1] == native.MonitorCommand
}

// runNativeMonitor is `berth native-monitor DIR`, started by the engine
// (with GOMAXPROCS=1 in its environment) and by nobody else.
func runNativeMonitor(args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("usage: berth %s DIR (the native engine starts it; it is not for people to run)", native.MonitorCommand)
	}
	// A sampled allocation costs a page of the profiler's table for
	// good, and nobody reads a monitor's profile.
	runtime.MemProfileRate = 0
	// No signal ends a monitor: its container does (see monitor.Run).
	return native.RunMonitor(context.Background(), args[0])
}
