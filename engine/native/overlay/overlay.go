// Package overlay mounts an overlayfs of many lower directories.
//
// The classic mount(2) call takes all of overlayfs's options in one page
// (4096 bytes), which an image's absolute layer paths fill at about 40
// layers. Docker's overlay2 fits 125 with short symlinks and a chdir;
// this package needs neither:
//
//   - On Linux 6.8 and later, the new mount API (fsopen, fsconfig,
//     fsmount, move_mount) takes one "lowerdir+" per layer, with no limit
//     but overlayfs's own of 500 layers.
//   - On older kernels, when the absolute paths do not fit, each layer is
//     named by an open descriptor, /proc/self/fd/N, about 20 bytes,
//     which fits some 190 layers in the page.
//
// Neither leaves anything on disk, so a crash mid-mount leaves nothing to
// clean up, and removing a layer needs no link kept in step with it.
package overlay

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Layers is what one overlay mount stacks.
type Layers struct {
	Lower []string // read-only layers, topmost first, as overlayfs's lowerdir lists them
	Upper string   // the writable layer
	Work  string   // overlayfs's scratch directory, on the same filesystem as Upper
}

// ErrTooMany is returned when the layers fit in no mount this kernel
// takes.
var ErrTooMany = errors.New("too many layers for one overlay mount")

// Mount mounts the overlay of l at target.
func Mount(target string, l Layers) error {
	if len(l.Lower) == 0 {
		return errors.New("overlay mount: no lower layer")
	}
	err := mountNew(target, l)
	if !errors.Is(err, errNoNewAPI) {
		return err
	}
	return mountLegacy(target, l)
}

// errNoNewAPI says the kernel lacks the new mount API or overlayfs's
// "lowerdir+" (before Linux 6.8).
var errNoNewAPI = errors.New("no lowerdir+ in this kernel")

// mountNew mounts with the new mount API, one fsconfig per layer.
func mountNew(target string, l Layers) error {
	fsfd, err := unix.Fsopen("overlay", unix.FSOPEN_CLOEXEC)
	if err != nil {
		if errors.Is(err, unix.ENOSYS) { // before Linux 5.2
			return errNoNewAPI
		}
		return fmt.Errorf("overlay mount: fsopen: %w", err)
	}
	defer unix.Close(fsfd)
	// EINVAL until the superblock exists means this kernel does not take
	// lowerdir+: overlayfs of 6.5 to 6.7 refuses the parameter at once;
	// before 6.5, overlayfs has no parser of its own and the kernel's
	// legacy one collects every parameter into one page of mount(2)
	// data, refusing it once full, or at create, where overlayfs does not
	// know the option. mount(2) is tried then, and reports a real EINVAL
	// itself.
	step := func(what string, err error) error {
		if errors.Is(err, unix.EINVAL) {
			return errNoNewAPI
		}
		return fsError(fsfd, what, err)
	}
	for _, dir := range l.Lower {
		if err := unix.FsconfigSetString(fsfd, "lowerdir+", dir); err != nil {
			return step("lower layer "+dir, err)
		}
	}
	if err := unix.FsconfigSetString(fsfd, "upperdir", l.Upper); err != nil {
		return step("upper layer "+l.Upper, err)
	}
	if err := unix.FsconfigSetString(fsfd, "workdir", l.Work); err != nil {
		return step("work directory "+l.Work, err)
	}
	if err := unix.FsconfigCreate(fsfd); err != nil {
		return step("create", err)
	}
	mfd, err := unix.Fsmount(fsfd, unix.FSMOUNT_CLOEXEC, 0)
	if err != nil {
		return fsError(fsfd, "fsmount", err)
	}
	defer unix.Close(mfd)
	if err := unix.MoveMount(mfd, "", unix.AT_FDCWD, target, unix.MOVE_MOUNT_F_EMPTY_PATH); err != nil {
		return fmt.Errorf("overlay mount on %s: move_mount: %w", target, err)
	}
	return nil
}

// fsError wraps err with what the kernel logged on the filesystem context
// fsfd, which says more than the errno ("overlay: failed to resolve …").
func fsError(fsfd int, what string, err error) error {
	var msgs []string
	buf := make([]byte, 256)
	for range 8 {
		n, rerr := unix.Read(fsfd, buf)
		if rerr != nil || n <= 0 {
			break
		}
		// Each message starts with its level: "e ", "w " or "i ".
		m := strings.TrimSpace(string(buf[:n]))
		if len(m) > 2 && m[1] == ' ' {
			m = m[2:]
		}
		msgs = append(msgs, m)
	}
	if len(msgs) > 0 {
		return fmt.Errorf("overlay mount: %s: %s: %w", what, strings.Join(msgs, "; "), err)
	}
	return fmt.Errorf("overlay mount: %s: %w", what, err)
}

// mountLegacy mounts with mount(2): absolute paths when they fit in a
// page, else /proc/self/fd paths of descriptors held open for the call.
func mountLegacy(target string, l Layers) error {
	data := options(l.Lower, l)
	if len(data) >= unix.Getpagesize() {
		fds := make([]int, 0, len(l.Lower))
		defer func() {
			for _, fd := range fds {
				unix.Close(fd)
			}
		}()
		short := make([]string, 0, len(l.Lower))
		for _, dir := range l.Lower {
			fd, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
			if err != nil {
				return fmt.Errorf("overlay mount: open lower layer %s: %w", dir, err)
			}
			fds = append(fds, fd)
			short = append(short, "/proc/self/fd/"+strconv.Itoa(fd))
		}
		data = options(short, l)
		if len(data) >= unix.Getpagesize() {
			return fmt.Errorf("%w (%d; this kernel takes about 190, Linux 6.8 and later 500)", ErrTooMany, len(l.Lower))
		}
	}
	if err := unix.Mount("overlay", target, "overlay", 0, data); err != nil {
		return fmt.Errorf("overlay mount on %s: %w", target, err)
	}
	return nil
}

func options(lower []string, l Layers) string {
	return "lowerdir=" + strings.Join(lower, ":") + ",upperdir=" + l.Upper + ",workdir=" + l.Work
}
