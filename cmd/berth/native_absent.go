//go:build berthnonative

package main

import "github.com/berth-dev/berth/engine"

// The full build of `make build`, bin/berth-full, runs the commands whose
// project the front build found no cache entry for: after every edit of a
// compose file, for instance. Its process faults in nearly every page of
// its executable (the Linux kernel maps 64 KiB around each page touched,
// and package initialisers are spread over all of it), so each MiB of code
// it links is most of a MiB of RSS. The native engine, its netlink,
// registry and compression libraries are 2.5 MB of that, which a command on
// dockerd never runs: this build leaves them out and hands commands on the
// native engine to bin/berth-native, the plain build, before doing
// anything else (see main). On 200 services, the one-service change's
// peak RSS comes down by about 1 MiB.

const nativeLinked = false

// connectNative is not reached: resolve hands every command on the native
// engine over first.
func connectNative(map[string]string) (engine.Engine, func() error, error) {
	return nil, nil, errNativeBuild
}

// nativeHidden hands the native engine's hidden commands over too (see
// nativemonitor.go); the engine runs them with berth-monitor and the front
// build, so this happens only when neither is installed.
func nativeHidden(args []string) func() error {
	if len(args) < 2 || args[1] != monitorCommand && args[1] != teardownCommand {
		return nil
	}
	return func() error { return errNativeBuild }
}
