//go:build !berthnonative

package main

import (
	"context"
	"fmt"
	"runtime"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/native"
	"github.com/berth-dev/berth/loader"
)

// nativeLinked says that this build runs the native engine itself; the
// full build of `make build` leaves it out (see native_absent.go).
const nativeLinked = true

// connectNative opens the native engine, whose container monitors run the
// front build beside this one when there is one (see
// loader.FrontExecutable).
func connectNative(environ map[string]string) (engine.Engine, func() error, error) {
	opts := native.OptionsFromEnv(environ)
	exe, err := loader.FrontExecutable()
	if err != nil {
		return nil, nil, err
	}
	opts.Exe = exe
	e, err := native.New(opts)
	if err != nil {
		return nil, nil, err
	}
	return e, e.Close, nil
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
