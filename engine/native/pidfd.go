package native

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/berth-dev/berth/engine/native/monitor"
)

// signalInit sends sig to the container's init, pid, as `runc kill` does,
// without the 10 to 30 ms of running runc: the pid is opened as a pidfd
// and must be in the container's cgroup, and the signal goes through that
// pidfd, so that a pid reused meanwhile is never signalled.
func signalInit(id string, pid int, sig syscall.Signal) error {
	if pid <= 0 {
		return errors.New("no init pid")
	}
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return fmt.Errorf("open pid %d: %w", pid, err)
	}
	defer unix.Close(fd)
	cg, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cgroup")
	if err != nil {
		return err
	}
	if !bytes.Contains(cg, []byte(monitor.CgroupPath(id))) {
		return fmt.Errorf("pid %d is not in the container's cgroup", pid)
	}
	return unix.PidfdSendSignal(fd, sig, nil, 0)
}

// waitExit waits up to d for process pid to exit, woken by the kernel
// through a pidfd rather than by polling. It returns early, false, when
// the pidfd cannot be had, for the caller to look again.
func waitExit(pid int, d time.Duration) bool {
	fd, err := unix.PidfdOpen(pid, 0)
	if errors.Is(err, unix.ESRCH) {
		return true
	}
	if err != nil {
		time.Sleep(min(d, pollInterval))
		return false
	}
	defer unix.Close(fd)
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	for {
		n, err := unix.Poll(fds, int(d.Milliseconds()))
		if errors.Is(err, unix.EINTR) {
			continue
		}
		return err == nil && n > 0
	}
}
