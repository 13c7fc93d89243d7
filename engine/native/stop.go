package native

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/native/monitor"
	"github.com/berth-dev/berth/engine/native/netctl"
)

// killWait bounds how long a stop waits after SIGKILL for the monitor to
// record the exit: the kernel needs no time, the monitor a poll.
const killWait = 10 * time.Second

// StopContainer asks the container to stop (no restart), sends its stop
// signal, then SIGKILL once timeout (nil: the service's grace period)
// passes, and returns once it has exited and its monitor is gone, so that
// its ports are free again.
func (e *Engine) StopContainer(ctx context.Context, ref string, timeout *time.Duration) error {
	c, err := e.lookup(ref)
	if err != nil {
		return fmt.Errorf("stop container %s: %w", ref, err)
	}
	grace := c.StopTimeout
	if timeout != nil {
		grace = *timeout
	}
	if err := e.stop(ctx, c, grace); err != nil {
		return fmt.Errorf("stop container %s: %w", c.Name, err)
	}
	return nil
}

func (e *Engine) stop(ctx context.Context, c *container, grace time.Duration) error {
	s, err := e.observe(c)
	if err != nil {
		return err
	}
	if !s.running() && !s.MonitorAlive {
		return nil
	}
	dir := e.containerDir(c.ID)
	if err := writeFile(filepath.Join(dir, "stop"), nil, 0o644); err != nil {
		return err
	}
	if !s.MonitorAlive {
		e.killOrphan(ctx, c, s)
		return nil
	}
	if s.Status == "paused" {
		// A frozen process cannot take its signal.
		_ = e.runc.Resume(ctx, c.ID)
	}
	if grace > 0 && s.Status == "running" {
		_, sig, err := engine.ParseSignal(c.StopSignal)
		if err != nil {
			return fmt.Errorf("stop_signal: %w", err)
		}
		err = e.signal(c.ID, sig, func() error {
			if err := signalInit(c.ID, s.Pid, syscall.Signal(sig)); err != nil {
				return e.runc.Kill(ctx, c.ID, syscall.Signal(sig), false)
			}
			return nil
		})
		if err == nil && e.waitStopped(ctx, c, grace) {
			return nil
		}
	}
	_ = e.signal(c.ID, int(syscall.SIGKILL), func() error { return e.runc.Kill(ctx, c.ID, syscall.SIGKILL, true) })
	if e.waitStopped(ctx, c, killWait) {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	// The monitor did not notice: end it, and the container with it.
	e.killOrphan(ctx, c, s)
	return nil
}

// waitStopped waits up to d for the container to have exited and its
// monitor to be gone. The monitor's exit wakes it (see waitExit): the lock
// the monitor held goes with it.
func (e *Engine) waitStopped(ctx context.Context, c *container, d time.Duration) bool {
	deadline := time.Now().Add(d)
	dir := e.containerDir(c.ID)
	for {
		pid, alive := monitor.MonitorProc(dir)
		if !alive {
			return true
		}
		left := time.Until(deadline)
		if left <= 0 || ctx.Err() != nil {
			return false
		}
		// A slice at a time, so that ctx is heeded.
		wait := min(left, 100*time.Millisecond)
		if pid > 0 {
			waitExit(pid, wait)
			continue
		}
		// Alive before it wrote its pid: look again shortly.
		select {
		case <-ctx.Done():
		case <-time.After(min(wait, pollInterval)):
		}
	}
}

// killOrphan ends a container whose monitor is gone or stuck: its
// processes, its monitor, runc's record of it.
func (e *Engine) killOrphan(ctx context.Context, c *container, s status) {
	_ = e.runc.Kill(ctx, c.ID, syscall.SIGKILL, true)
	if pid, _ := monitor.MonitorProc(e.containerDir(c.ID)); pid > 0 {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	if s.Pid > 0 && monitor.ProcessAlive(s.Pid) {
		_ = syscall.Kill(s.Pid, syscall.SIGKILL)
	}
	_ = e.runc.Delete(ctx, c.ID, true)
}

// RemoveContainer removes the container and everything made for it:
// processes (with Force), monitor, mounts, network namespace and
// interfaces (the kernel deletes these with the namespace, soon after;
// Close waits for them), runc's state, its directory and, with Volumes,
// its anonymous volumes. Whatever is already gone is skipped, so that a
// removal cut short can be run again.
func (e *Engine) RemoveContainer(ctx context.Context, ref string, opts engine.RemoveOptions) error {
	if ok, err := e.removeHostWatcher(ctx, ref, opts); ok {
		return err
	}
	c, err := e.lookup(ref)
	if err != nil {
		return fmt.Errorf("remove container %s: %w", ref, err)
	}
	op := "remove container " + c.Name
	s, err := e.observe(c)
	if err != nil {
		return err
	}
	if s.running() || s.MonitorAlive {
		if !opts.Force {
			return fmt.Errorf("%s: it is %s: stop it first or force the removal: %w", op, s.Status, engine.ErrConflict)
		}
		if err := e.stop(ctx, c, 0); err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
	}
	if err := e.teardown(ctx, c); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if opts.Volumes {
		for _, name := range c.Anonymous {
			if err := e.RemoveVolume(ctx, name); err != nil && !errors.Is(err, engine.ErrNotFound) {
				return fmt.Errorf("%s: %w", op, err)
			}
		}
	}
	return nil
}

// teardown removes what a stopped container still holds, then its
// directory, the record last.
func (e *Engine) teardown(ctx context.Context, c *container) error {
	dir := e.containerDir(c.ID)
	if e.runc.Has(c.ID) {
		if err := e.runc.Delete(ctx, c.ID, true); err != nil {
			return err
		}
	}
	// The pairs go with the namespace, off the critical path of a down's
	// dependency levels (see Unbridge); Close waits for them.
	for _, a := range c.Networks {
		if err := netctl.Unbridge(ctx, a.hostVeth(c.ID)); err != nil {
			return err
		}
		e.unbridged.Lock()
		e.unbridged.names = append(e.unbridged.names, a.hostVeth(c.ID))
		e.unbridged.Unlock()
	}
	if err := netctl.DeleteNetns(e.netnsPath(c.ID)); err != nil {
		return err
	}
	rootfs := filepath.Join(dir, "rootfs")
	for isMountpoint(rootfs) {
		if err := unmountRoot(rootfs); err != nil {
			return err
		}
	}
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, ent := range entries {
		if ent.Name() == "container.json" {
			continue
		}
		if err := os.RemoveAll(filepath.Join(dir, ent.Name())); err != nil {
			return err
		}
	}
	if err := os.Remove(filepath.Join(dir, "container.json")); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := os.Remove(dir); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// unmountRoot detaches the overlay mounted at rootfs. Detached: a process
// still inside (a copy) keeps it alive, but it is gone from the host's
// tree, so removing the directory cannot reach the image's layers.
//
// An overlay's last reference, when it goes, syncs the whole filesystem
// its upper directory is on: every process's dirty data on that disk,
// 25-140 ms on a loaded machine, measured, which each dependency level of
// a down waited for, to keep a directory deleted next. A descriptor open
// on the mount holds a reference, so that the unmount returns at once;
// closing it in the background drops the last one there (or berth's exit
// does, the kernel closing it).
func unmountRoot(rootfs string) error {
	pin, pinErr := unix.Open(rootfs, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err := unix.Unmount(rootfs, unix.MNT_DETACH); err != nil {
		if pinErr == nil {
			unix.Close(pin)
		}
		return fmt.Errorf("unmount %s: %w", rootfs, err)
	}
	if pinErr == nil {
		go unix.Close(pin)
	}
	return nil
}

// RenameContainer gives the container a new, unused name.
func (e *Engine) RenameContainer(ctx context.Context, ref, name string) error {
	name = strings.TrimPrefix(name, "/")
	return e.locked(func() error {
		c, err := e.lookup(ref)
		if err != nil {
			return fmt.Errorf("rename container %s: %w", ref, err)
		}
		all, err := e.allContainers()
		if err != nil {
			return err
		}
		for _, o := range all {
			if o.Name == name && o.ID != c.ID {
				return fmt.Errorf("rename container %s to %s: the name is in use by %s: %w", c.Name, name, shortID(o.ID), engine.ErrConflict)
			}
		}
		old, at := c.Name, time.Now()
		c.Name = name
		if err := e.writeContainer(c); err != nil {
			return err
		}
		e.noteRename(c.ID, old, name, at)
		return nil
	})
}

// KillContainer sends signal to the container's main process. As with
// docker's kill, the restart policy does not bring it back.
func (e *Engine) KillContainer(ctx context.Context, ref, signal string) error {
	c, s, err := e.runningContainer(ref, "kill")
	if err != nil {
		return err
	}
	_, sig, err := engine.ParseSignal(firstOf(signal, "SIGKILL"))
	if err != nil {
		return err
	}
	if s.Status == "restarting" {
		return fmt.Errorf("kill container %s: it is restarting: %w", c.Name, engine.ErrConflict)
	}
	if err := writeFile(filepath.Join(e.containerDir(c.ID), "stop"), nil, 0o644); err != nil {
		return err
	}
	if err := e.signal(c.ID, sig, func() error { return e.runc.Kill(ctx, c.ID, syscall.Signal(sig), false) }); err != nil {
		return fmt.Errorf("kill container %s: %w", c.Name, err)
	}
	return nil
}

// runningContainer finds ref and fails with ErrConflict unless it runs.
func (e *Engine) runningContainer(ref, op string) (*container, status, error) {
	c, err := e.lookup(ref)
	if err != nil {
		return nil, status{}, fmt.Errorf("%s container %s: %w", op, ref, err)
	}
	s, err := e.observe(c)
	if err != nil {
		return nil, status{}, err
	}
	if !s.running() {
		return nil, status{}, fmt.Errorf("%s container %s: it is not running: %w", op, c.Name, engine.ErrConflict)
	}
	return c, s, nil
}

// PauseContainer freezes the container's processes.
func (e *Engine) PauseContainer(ctx context.Context, ref string) error {
	c, s, err := e.runningContainer(ref, "pause")
	if err != nil {
		return err
	}
	if s.Status != "running" {
		return fmt.Errorf("pause container %s: it is %s: %w", c.Name, s.Status, engine.ErrConflict)
	}
	if err := e.runc.Pause(ctx, c.ID); err != nil {
		return fmt.Errorf("pause container %s: %w", c.Name, err)
	}
	return nil
}

// UnpauseContainer thaws a paused container.
func (e *Engine) UnpauseContainer(ctx context.Context, ref string) error {
	c, s, err := e.runningContainer(ref, "unpause")
	if err != nil {
		return err
	}
	if s.Status != "paused" {
		return fmt.Errorf("unpause container %s: it is not paused: %w", c.Name, engine.ErrConflict)
	}
	if err := e.runc.Resume(ctx, c.ID); err != nil {
		return fmt.Errorf("unpause container %s: %w", c.Name, err)
	}
	return nil
}
