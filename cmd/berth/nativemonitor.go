package main

// monitorCommand is native.MonitorCommand, which a build without the
// native engine must recognise too, to hand the monitor over (a test keeps
// the two equal).
const monitorCommand = "native-monitor"

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
	return len(args) > 1 && args[1] == monitorCommand
}
