// Package lock keeps two berth processes from changing the same project on
// one host at the same time.
//
// [Acquire] takes an exclusive flock(2) on <dir>/<project>.lock. The kernel
// drops the lock when the process exits, however it exits, so a berth killed
// with SIGKILL never leaves a stale lock for the next one to clean up.
//
// # Concurrency properties
//
// flock locks belong to the open file description, not to the process, so
// two Acquire calls in one process also exclude each other. A caller that
// finds the lock held is told once through onWait and then waits, polling,
// until the holder releases it or its context ends.
//
// The lock file is never removed: deleting it on release would let a waiter
// that already opened the old file lock an unlinked inode while a newcomer
// locks a fresh file of the same name, and both would believe they hold the
// lock.
package lock

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// pollInterval is how often a waiter retries the lock. Waiting is rare and
// human-scale (another berth is running), so 50 ms costs nothing and keeps
// the wait cancellable without an abandoned blocking flock in a goroutine.
const pollInterval = 50 * time.Millisecond

// DefaultDir is where berth keeps its lock files: $XDG_RUNTIME_DIR/berth
// when the session has a runtime directory (private to the user and cleared
// at logout), else $TMPDIR/berth-<uid> (or /tmp/berth-<uid>), so that users
// sharing a host do not share locks. environ is the process environment,
// passed in rather than read.
func DefaultDir(environ map[string]string) string {
	if d := environ["XDG_RUNTIME_DIR"]; d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "berth")
	}
	tmp := environ["TMPDIR"]
	if tmp == "" || !filepath.IsAbs(tmp) {
		tmp = "/tmp"
	}
	return filepath.Join(tmp, "berth-"+strconv.Itoa(os.Getuid()))
}

// Acquire takes the lock for project in dir, creating dir (mode 0700) if
// needed, and writes who (a line such as "berth up, pid 42") into the lock
// file while it holds it. If another holder has the lock, onWait (which may
// be nil) is called once with what that holder wrote ("" if it has not yet),
// so that the user learns whom they wait for, and Acquire blocks until the
// lock is free or ctx is done; in the latter case the error wraps ctx.Err().
//
// release unlocks and closes the file; calling it again does nothing and
// returns the first call's result.
func Acquire(ctx context.Context, dir, project, who string, onWait func(holder string)) (release func() error, err error) {
	if err := checkProject(project); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("lock project %s: %w", project, err)
	}
	if err := ensureDir(dir); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, project+".lock")
	// O_NOFOLLOW: in a shared temporary directory a planted symlink must not
	// make berth create or lock a file elsewhere.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock file for project %s: %w (remove %s if it is not a regular file)", project, err, path)
	}
	ok, err := tryLock(f)
	if err == nil && !ok {
		if onWait != nil {
			onWait(holder(path))
		}
		err = wait(ctx, f)
		if err != nil {
			err = fmt.Errorf("wait for the lock on project %s (%s): %w", project, path, err)
		}
	} else if err != nil {
		err = fmt.Errorf("lock %s: %w", path, err)
	}
	if err == nil && who != "" {
		err = describe(f, who)
	}
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	var once sync.Once
	var releaseErr error
	return func() error {
		once.Do(func() {
			// Closing the only descriptor drops the lock too; unlocking first
			// reports a failure instead of relying on close.
			uerr := flock(f, unix.LOCK_UN)
			cerr := f.Close()
			if err := errors.Join(uerr, cerr); err != nil {
				releaseErr = fmt.Errorf("release lock %s: %w", path, err)
			}
		})
		return releaseErr
	}, nil
}

// wait polls the lock until it is taken or ctx is done.
func wait(ctx context.Context, f *os.File) error {
	t := time.NewTicker(pollInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
		ok, err := tryLock(f)
		if err != nil || ok {
			return err
		}
	}
}

// describe replaces the lock file's content, written by an earlier holder,
// with who. Only the holder writes, so readers see one holder's line or, in
// the moment between truncate and write, nothing.
func describe(f *os.File, who string) error {
	if err := f.Truncate(0); err != nil {
		return fmt.Errorf("describe lock holder in %s: %w", f.Name(), err)
	}
	if _, err := f.WriteAt([]byte(who+"\n"), 0); err != nil {
		return fmt.Errorf("describe lock holder in %s: %w", f.Name(), err)
	}
	return nil
}

// holder is what the lock's current holder wrote into it, if anything.
func holder(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	line, _, _ := strings.Cut(string(b), "\n")
	return strings.TrimSpace(line)
}

// tryLock takes the lock without blocking; ok is false when it is held
// elsewhere.
func tryLock(f *os.File) (ok bool, err error) {
	err = flock(f, unix.LOCK_EX|unix.LOCK_NB)
	if errors.Is(err, unix.EWOULDBLOCK) {
		return false, nil
	}
	return err == nil, err
}

func flock(f *os.File, how int) error {
	for {
		err := unix.Flock(int(f.Fd()), how)
		if !errors.Is(err, unix.EINTR) {
			return err
		}
	}
}

// ensureDir creates dir 0700 and refuses one that others could write to:
// anyone able to write there could swap the lock file under berth.
func ensureDir(dir string) error {
	if dir == "" {
		return errors.New("lock directory is empty: pass lock.DefaultDir(environ)")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create lock directory: %w", err)
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return fmt.Errorf("lock directory: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("lock directory %s is not a directory (a symlink?): remove it and retry", dir)
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Getuid() {
		return fmt.Errorf("lock directory %s belongs to uid %d, not to you (uid %d): remove it or set XDG_RUNTIME_DIR", dir, st.Uid, os.Getuid())
	}
	if fi.Mode().Perm()&0o022 != 0 {
		return fmt.Errorf("lock directory %s is writable by others (mode %04o): run chmod 700 %s", dir, fi.Mode().Perm(), dir)
	}
	return nil
}

// checkProject refuses names that are not a single path element. Loaded
// project names are already [a-z0-9_-]; this guards other callers.
func checkProject(project string) error {
	if project == "" || project == "." || project == ".." || strings.ContainsAny(project, "/\x00") {
		return fmt.Errorf("lock: project name %q cannot name a lock file: use a compose project name", project)
	}
	return nil
}
