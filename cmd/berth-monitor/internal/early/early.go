// Package early releases the executable's pages that the runtime's own
// start mapped (see exepages.Release), from a package initialiser: Go
// initialises a package as soon as its imports are, in import path order,
// and this one imports only exepages (itself only syscall), so it runs
// before the initialisers of time, os, reflect, encoding/json and net,
// which then map their pages into a process that holds fewer.
//
// berth-monitor imports it for that effect alone.
package early

import "github.com/berth-dev/berth/engine/native/exepages"

func init() { exepages.Release() }
