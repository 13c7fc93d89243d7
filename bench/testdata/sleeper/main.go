// Command sleeper is the fallback benchmark image's entrypoint, used when
// internal/testimage cannot build berth-test:latest. It prints a few lines so
// that `logs --tail 10` has something to return, then waits for SIGTERM or
// SIGINT and exits 0 at once: as PID 1 in a container it would otherwise
// ignore SIGTERM, and every stop would wait out the full stop timeout and
// measure the timeout instead of the tool.
//
// The CI cycle's stack needs programs that end: `sleeper exit` (a one-shot,
// or the tests run) and `sleeper health` (a healthcheck) exit 0 at once.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	if len(os.Args) > 1 && (os.Args[1] == "exit" || os.Args[1] == "health") {
		return
	}
	host, _ := os.Hostname()
	for i := range 20 {
		fmt.Printf("sleeper %s: line %d\n", host, i+1)
	}
	sig := make(chan os.Signal, 1) // one pending signal is enough to exit
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	<-sig
}
