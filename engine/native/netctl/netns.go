package netctl

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// CreateNetns makes a new network namespace and bind-mounts it on path, so
// that it outlives every process in it, and brings its loopback up. A path
// that already holds a namespace is kept.
func CreateNetns(path string) error {
	if !isNetns(path) {
		if err := mountNewNetns(path); err != nil {
			return err
		}
	}
	return withNetns(path, func(_ netns.NsHandle, h *netlink.Handle) error {
		lo, err := lookupLink(h.LinkByName, "lo")
		if err != nil {
			return fmt.Errorf("find lo in netns %s: %w", path, err)
		}
		if err := h.LinkSetUp(lo); err != nil {
			return fmt.Errorf("bring lo up in netns %s: %w", path, err)
		}
		return nil
	})
}

// isNetns reports whether path is a mounted namespace file.
func isNetns(path string) bool {
	var fs unix.Statfs_t
	return unix.Statfs(path, &fs) == nil && fs.Type == unix.NSFS_MAGIC
}

// mountNewNetns creates the namespace on a thread of its own and binds it to
// path.
func mountNewNetns(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("create the netns directory: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE, 0o444)
	if err != nil {
		return fmt.Errorf("create netns file %s: %w", path, err)
	}
	f.Close()

	errc := make(chan error, 1)
	go func() {
		// The thread changes namespace, so nothing else may run on it
		// meanwhile. If it cannot go back to the host namespace it stays
		// locked, and the runtime ends it with this goroutine instead of
		// reusing it.
		runtime.LockOSThread()
		host, err := netns.Get()
		if err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("open the host netns: %w", err)
			return
		}
		defer host.Close()
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("unshare a new netns: %w", err)
			return
		}
		src := fmt.Sprintf("/proc/self/task/%d/ns/net", unix.Gettid())
		mountErr := unix.Mount(src, path, "none", unix.MS_BIND, "")
		if err := netns.Set(host); err != nil {
			errc <- errors.Join(mountErr, fmt.Errorf("return to the host netns: %w", err))
			return
		}
		runtime.UnlockOSThread()
		if mountErr != nil {
			mountErr = fmt.Errorf("bind-mount the new netns on %s: %w", path, mountErr)
		}
		errc <- mountErr
	}()
	if err := <-errc; err != nil {
		if !isNetns(path) {
			os.Remove(path)
		}
		return err
	}
	return nil
}

// withNetns calls fn with a netlink handle whose sockets live in the
// namespace mounted at path.
func withNetns(path string, fn func(ns netns.NsHandle, h *netlink.Handle) error) error {
	ns, err := netns.GetFromPath(path)
	if err != nil {
		return fmt.Errorf("open netns %s: %w", path, err)
	}
	defer ns.Close()
	h, err := netlink.NewHandleAt(ns)
	if err != nil {
		return fmt.Errorf("open netlink in netns %s: %w", path, err)
	}
	defer h.Close()
	return fn(ns, h)
}

// DeleteNetns unmounts the namespace at path and removes the file. The
// namespace itself goes when its last process does. A path already gone is
// not an error.
func DeleteNetns(path string) error {
	// Concurrent creators may have stacked several mounts on the path.
	for range 16 {
		err := unix.Unmount(path, unix.MNT_DETACH)
		if errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOENT) {
			break
		}
		if err != nil {
			return fmt.Errorf("unmount netns %s: %w", path, err)
		}
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove netns file %s: %w", path, err)
	}
	return nil
}
