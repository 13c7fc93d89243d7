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
//
// The engine takes the lock (Lock) before it starts a monitor and hands
// it to the monitor as an inherited file (Claim), so that no moment exists
// in which the monitor runs and the lock is free. It is an open file
// description lock (fcntl F_OFD_SETLK), not a flock: it then belongs to
// the file both processes share, outlives the engine, and Locked can ask
// whether it is held without taking it.
const LockFile = "monitor.lock"

// ErrLocked is returned by Lock when another monitor holds dir's lock.
var ErrLocked = errors.New("another monitor runs this container")

// wholeFile is a write lock over the whole lock file.
var wholeFile = unix.Flock_t{Type: unix.F_WRLCK, Whence: io.SeekStart}

// Lock takes dir's monitor lock without waiting, for a monitor about to be
// started: the returned file is to be inherited by it, then closed. It
// fails with ErrLocked when a live monitor holds the lock.
func Lock(dir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, LockFile), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open the monitor lock: %w", err)
	}
	if err := lock(f, dir); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// Claim makes the calling process the monitor of the container in dir:
// fd must be dir's lock file as Lock returned it, inherited, and Claim
// writes the process's pid to monitor.pid, of which monitors are thus the
// only writers. The lock is held until the returned file is closed or the
// process ends; the processes the monitor starts do not inherit it.
func Claim(dir string, fd uintptr) (*os.File, error) {
	var got, want unix.Stat_t
	path := filepath.Join(dir, LockFile)
	if err := unix.Fstat(int(fd), &got); err != nil {
		return nil, fmt.Errorf("fd %d is not the monitor lock %s (the engine passes it to the monitors it starts): %w", fd, path, err)
	}
	if err := unix.Stat(path, &want); err != nil {
		return nil, fmt.Errorf("the monitor lock: %w", err)
	}
	if got.Dev != want.Dev || got.Ino != want.Ino {
		return nil, fmt.Errorf("fd %d is not the monitor lock %s (the engine passes it to the monitors it starts)", fd, path)
	}
	unix.CloseOnExec(int(fd))
	f := os.NewFile(fd, path)
	// Taking the lock again through the same open file is a no-op when
	// the engine's Lock took it, and fails if another monitor holds it.
	if err := lock(f, dir); err != nil {
		f.Close()
		return nil, err
	}
	if err := writeFileAtomic(filepath.Join(dir, MonitorPidFile), []byte(strconv.Itoa(os.Getpid()))); err != nil {
		f.Close()
		return nil, fmt.Errorf("write the monitor's pid: %w", err)
	}
	return f, nil
}

func lock(f *os.File, dir string) error {
	lk := wholeFile
	err := fcntlLock(f, unix.F_OFD_SETLK, &lk)
	if errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EACCES) {
		return fmt.Errorf("%s: %w", dir, ErrLocked)
	}
	if err != nil {
		return fmt.Errorf("lock %s: %w", f.Name(), err)
	}
	return nil
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
