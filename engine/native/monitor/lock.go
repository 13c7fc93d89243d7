package monitor

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"golang.org/x/sys/unix"
)

// LockFile is the file whose lock the container's live monitor holds for
// its whole life. The lock, not monitor.pid, says whether a monitor is
// alive: the kernel drops it however the monitor ends, so that a monitor
// killed at any point leaves nothing claiming the container, and a second
// monitor cannot start beside a live one.
const LockFile = "monitor.lock"

// ErrLocked is returned by Lock when another monitor holds dir's lock.
var ErrLocked = errors.New("another monitor runs this container")

// wholeFile is a write lock over the whole lock file.
var wholeFile = unix.Flock_t{Type: unix.F_WRLCK, Whence: io.SeekStart}

// Lock makes the calling process the monitor of the container in dir: it
// takes dir's lock without waiting, then writes its pid to monitor.pid, of
// which it is thus the only writer. The lock is held until the returned
// file is closed or the process ends. It fails with ErrLocked when a live
// monitor holds it.
//
// The lock is an open file description lock (fcntl F_OFD_SETLK), not a
// flock: Locked can then ask whether it is held without taking it, so that
// a monitor starting at that moment never finds it taken by a mere look.
func Lock(dir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, LockFile), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open the monitor lock: %w", err)
	}
	lk := wholeFile
	if err := fcntlLock(f, unix.F_OFD_SETLK, &lk); err != nil {
		f.Close()
		if errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EACCES) {
			return nil, fmt.Errorf("%s: %w", dir, ErrLocked)
		}
		return nil, fmt.Errorf("lock %s: %w", f.Name(), err)
	}
	if err := writeFileAtomic(filepath.Join(dir, MonitorPidFile), []byte(strconv.Itoa(os.Getpid()))); err != nil {
		f.Close()
		return nil, fmt.Errorf("write the monitor's pid: %w", err)
	}
	return f, nil
}

// Locked reports whether a live monitor holds dir's lock. It only looks:
// the lock is not taken, not even for a moment.
func Locked(dir string) (bool, error) {
	f, err := os.Open(filepath.Join(dir, LockFile))
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("open the monitor lock: %w", err)
	}
	defer f.Close()
	lk := wholeFile
	if err := fcntlLock(f, unix.F_OFD_GETLK, &lk); err != nil {
		return false, fmt.Errorf("query the lock %s: %w", f.Name(), err)
	}
	return lk.Type != unix.F_UNLCK, nil
}

func fcntlLock(f *os.File, cmd int, lk *unix.Flock_t) error {
	for {
		err := unix.FcntlFlock(f.Fd(), cmd, lk)
		if !errors.Is(err, unix.EINTR) {
			return err
		}
	}
}
