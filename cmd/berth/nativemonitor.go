//go:build !berthnonative

package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/berth-dev/berth/engine/native"
	"github.com/berth-dev/berth/engine/native/monitorproc"
	"github.com/berth-dev/berth/loader"
)

// nativeHidden returns the hidden native engine command berth was started
// as, nil for any other command line:
//
//   - `berth native-monitor DIR` is a container's monitor, which the engine
//     runs from berth itself only when berth-monitor is not installed
//     beside berth (see monitorExecutable); it is the same code
//     (monitorproc.Main).
//   - `berth native-teardown DIR` removes an auto-remove container once
//     its monitor saw it exit for good (native.AutoRemove).
//
// main dispatches them before anything else: a monitor lives as long as its
// container, and every allocation at its start may leave a page behind.
// They skip cobra's command tree and berth's soft memory limit: a monitor
// lowers its GC percent itself (see monitor.Run), and a soft limit is no
// use to it, as the runtime counts its reserved metadata (about 6 MiB,
// little of it resident) against the limit, so that any limit small enough
// to matter would have the collector run without pause.
func nativeHidden(args []string) func() error {
	if len(args) < 2 {
		return nil
	}
	run := map[string]func(context.Context, string) error{
		monitorproc.Command:         monitorproc.Main,
		monitorproc.TeardownCommand: native.AutoRemove,
	}[args[1]]
	if run == nil {
		return nil
	}
	return func() error {
		if len(args) != 3 {
			return fmt.Errorf("usage: berth %s DIR (the native engine runs it; it is not for people to run)", args[1])
		}
		// No signal ends a monitor: its container does (see monitor.Run).
		return run(context.Background(), args[2])
	}
}

// monitorName is the native engine's lean monitor executable, which `make
// build` installs beside berth (cmd/berth-monitor).
const monitorName = "berth-monitor"

// nativeExecutables are what the native engine runs besides berth: the
// monitor of each container, and the berth that removes an auto-remove
// container, the front build (see loader.FrontExecutable) as it starts
// sooner.
func nativeExecutables() (monitor, berth string, err error) {
	berth, err = loader.FrontExecutable()
	if err != nil {
		return "", "", err
	}
	self, err := os.Executable()
	if err != nil {
		return "", "", fmt.Errorf("find berth's own executable: %w", err)
	}
	return monitorExecutable(filepath.Dir(self), berth), berth, nil
}

// monitorExecutable is berth-monitor in dir when it is an executable file,
// else fallback, a berth, which serves the monitor's command too. A monitor
// of berth-monitor peaks at a fifth of the memory of one of berth (see
// cmd/berth-monitor).
func monitorExecutable(dir, fallback string) string {
	p := filepath.Join(dir, monitorName)
	if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0 {
		return p
	}
	return fallback
}
