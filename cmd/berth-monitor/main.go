// Command berth-monitor is the native engine's container monitor,
// `berth-monitor native-monitor DIR`: one process per container, for the
// container's whole life (see engine/native/monitorproc). `make build`
// installs it beside berth, which runs it when it finds it there, else
// serves the same command itself.
//
// It is an executable of its own so that it maps little: a monitor re-run
// from berth ran the package initialisation of all of berth (compose-go,
// the docker client, go-containerregistry, netlink, cobra) and peaked at
// 16 MiB of RSS, 13 MiB of it pages of berth's 27 MB executable; this one
// links only what a monitor runs (TestLeanImports keeps it so).
package main

import (
	"context"
	"fmt"
	"os"

	// For its initialiser alone, which runs before most packages' own.
	_ "github.com/berth-dev/berth/cmd/berth-monitor/internal/early"
	"github.com/berth-dev/berth/engine/native/monitorproc"
)

func main() {
	if len(os.Args) != 3 || os.Args[1] != monitorproc.Command {
		fmt.Fprintf(os.Stderr, "usage: berth-monitor %s DIR (the native engine runs it; it is not for people to run)\n", monitorproc.Command)
		os.Exit(2)
	}
	// No signal ends a monitor: its container does (see monitor.Run).
	if err := monitorproc.Main(context.Background(), os.Args[2]); err != nil {
		fmt.Fprintf(os.Stderr, "berth-monitor: %v\n", err)
		os.Exit(1)
	}
}
