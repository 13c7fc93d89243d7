package native

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
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
	if !bytes.Contains(cg, []byte(cgroupPath(id))) {
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

// reapOnExit reaps the started cmd once it exits, and closes the returned
// channel then. A berth that starts hundreds of monitors must not wait for
// each in a blocking wait4: every such wait holds an OS thread, and the
// threads' stacks (about 50 kB each) count against berth's soft memory
// limit, which then has the collector run back to back. The monitor's
// pidfd, polled by the runtime's netpoller, wakes one parked goroutine
// instead; Wait then reaps a zombie at once.
func reapOnExit(cmd *exec.Cmd) <-chan struct{} {
	exited := make(chan struct{})
	var pidfd *os.File
	// The child is not reaped before Wait, so its pid cannot be reused
	// before the pidfd is opened.
	if fd, err := unix.PidfdOpen(cmd.Process.Pid, unix.PIDFD_NONBLOCK); err == nil {
		pidfd = os.NewFile(uintptr(fd), "pidfd")
	}
	go func() {
		defer close(exited)
		if pidfd != nil {
			awaitReadable(pidfd)
			pidfd.Close()
		}
		_ = cmd.Wait()
	}()
	return exited
}

// awaitReadable parks until pidfd is readable, which it is once its
// process has exited; without the netpoller (a kernel that cannot epoll a
// pidfd) it returns at once, and the caller's Wait blocks instead.
func awaitReadable(pidfd *os.File) {
	rc, err := pidfd.SyscallConn()
	if err != nil {
		return
	}
	_ = rc.Read(func(fd uintptr) bool {
		fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		for {
			n, err := unix.Poll(fds, 0)
			if !errors.Is(err, unix.EINTR) {
				// An error would not clear by waiting.
				return err != nil || n > 0
			}
		}
	})
}
