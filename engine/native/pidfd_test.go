package native

import (
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// TestSignalInitChecksCgroup: a pid outside the container's cgroup (here,
// a child of the test) is not signalled.
func TestSignalInitChecksCgroup(t *testing.T) {
	cmd := exec.Command("sleep", "60")
	if err := cmd.Start(); err != nil {
		t.Skip("no sleep to run:", err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	if err := signalInit(newID(), cmd.Process.Pid, syscall.SIGTERM); err == nil {
		t.Fatal("signalled a process that is not in the container's cgroup")
	}
	if err := signalInit(newID(), 0, syscall.SIGTERM); err == nil {
		t.Fatal("signalled pid 0")
	}
	// Not signalled: it does not exit (SIGTERM would end sleep at once).
	if waitExit(cmd.Process.Pid, 200*time.Millisecond) {
		t.Fatal("the process exited: it was signalled")
	}
}

// TestWaitExit is woken by a process's exit, and says so.
func TestWaitExit(t *testing.T) {
	cmd := exec.Command("sleep", "60")
	if err := cmd.Start(); err != nil {
		t.Skip("no sleep to run:", err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	if waitExit(cmd.Process.Pid, time.Millisecond) {
		t.Fatal("waitExit reported a running process exited")
	}
	if err := cmd.Process.Signal(os.Kill); err != nil {
		t.Fatal(err)
	}
	if !waitExit(cmd.Process.Pid, time.Minute) {
		t.Fatal("waitExit did not see the process exit")
	}
}
