// Package monitorproc is the whole of a native container's monitor
// process, `berth-monitor native-monitor DIR` (or, without berth-monitor,
// berth itself under that hidden command): around monitor.Run, which
// starts the container and records its life, it serves the container's
// DNS at 127.0.0.11 inside its network namespace, proxies its published
// ports, ends a watcher's container when its holder goes, and has berth
// remove an auto-remove container once it has exited for good.
//
// # Memory
//
// One monitor runs per container for the container's whole life, so what
// it maps counts hundreds of times over. The package therefore links only
// the lean parts of the engine (monitor, journal, resolver, portproxy) and reads
// the engine's records through its own narrow view of them (Record): not
// compose-go, not the engine's vocabulary, not netlink, whose package
// initialisation alone touched megabytes of the berth executable's pages.
// TestLeanImports keeps it so.
package monitorproc
