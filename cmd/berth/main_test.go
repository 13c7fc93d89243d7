package main

import (
	"os"
	"testing"
)

// asBerthEnv, set to 1, makes the test binary run as berth itself: tests
// that need berth as a process of its own (killed, re-executed as a
// monitor or a reaper) run it so, with no build step.
const asBerthEnv = "BERTH_TEST_AS_BERTH"

func TestMain(m *testing.M) {
	if os.Getenv(asBerthEnv) == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}
