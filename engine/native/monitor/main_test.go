package monitor

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"testing"
)

// monitorEnv, set to a container directory, makes the test binary a
// monitor for it: the integration tests run monitors as processes of their
// own, as the engine does, so that each is the subreaper of its container.
const monitorEnv = "BERTH_MONITOR_TEST_DIR"

func TestMain(m *testing.M) {
	if dir := os.Getenv(monitorEnv); dir != "" {
		// SIGUSR1 ends the context, for the test of that way to stop.
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGUSR1)
		defer stop()
		if err := Run(ctx, dir); err != nil {
			fmt.Fprintln(os.Stderr, err)
			stop()
			os.Exit(1)
		}
		stop()
		os.Exit(0)
	}
	os.Exit(m.Run())
}
