package native

import (
	"errors"
	"os/exec"
	"sync"

	"golang.org/x/sys/unix"
)

// monitorReaper reaps the monitors this process started once they exit.
// A berth that starts hundreds of monitors must not wait for each on a
// goroutine of its own: a blocking wait4 holds an OS thread each, and
// even parked goroutines' stacks (tens of kB each once the process's
// average stack is that deep) count against berth's soft memory limit,
// which then has the collector run back to back. So one goroutine waits on
// an epoll set of the monitors' pidfds, which turn readable as they exit,
// and lives only while some monitor is waited for.
type monitorReaper struct {
	mu      sync.Mutex
	epfd    int // valid when open
	open    bool
	running bool // whether loop runs
	waiting map[int32]reaping
}

type reaping struct {
	cmd    *exec.Cmd
	exited chan struct{}
}

// reapOnExit reaps the started cmd once it exits, and closes the returned
// channel then. Where pidfds or epoll fail it falls back to a goroutine
// that waits on its own.
func (r *monitorReaper) reapOnExit(cmd *exec.Cmd) <-chan struct{} {
	rp := reaping{cmd: cmd, exited: make(chan struct{})}
	// The child is not reaped before Wait, so its pid cannot be reused
	// before the pidfd is opened.
	fd, err := unix.PidfdOpen(cmd.Process.Pid, unix.PIDFD_NONBLOCK)
	if err == nil {
		if err = r.add(fd, rp); err != nil {
			unix.Close(fd)
		}
	}
	if err != nil {
		go rp.reap()
	}
	return rp.exited
}

func (rp reaping) reap() {
	_ = rp.cmd.Wait()
	close(rp.exited)
}

func (r *monitorReaper) add(fd int, rp reaping) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.open {
		epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
		if err != nil {
			return err
		}
		r.epfd, r.open, r.waiting = epfd, true, map[int32]reaping{}
	}
	if err := unix.EpollCtl(r.epfd, unix.EPOLL_CTL_ADD, fd, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(fd)}); err != nil {
		return err
	}
	r.waiting[int32(fd)] = rp
	if !r.running {
		r.running = true
		go r.loop()
	}
	return nil
}

// loop reaps the monitors as their pidfds turn readable, until none is
// left to wait for.
func (r *monitorReaper) loop() {
	events := make([]unix.EpollEvent, 16)
	for {
		n, err := unix.EpollWait(r.epfd, events, -1)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		r.mu.Lock()
		var done []reaping
		if err != nil {
			// Not expected; the waits go on without epoll.
			for fd, rp := range r.waiting {
				unix.Close(int(fd))
				go rp.reap()
			}
			clear(r.waiting)
		}
		for _, ev := range events[:max(n, 0)] {
			rp, ok := r.waiting[ev.Fd]
			if !ok {
				continue
			}
			delete(r.waiting, ev.Fd)
			_ = unix.EpollCtl(r.epfd, unix.EPOLL_CTL_DEL, int(ev.Fd), nil)
			unix.Close(int(ev.Fd))
			done = append(done, rp)
		}
		last := len(r.waiting) == 0
		if last {
			r.running = false
		}
		r.mu.Unlock()
		// Exited: Wait reaps a zombie at once.
		for _, rp := range done {
			rp.reap()
		}
		if last {
			return
		}
	}
}
