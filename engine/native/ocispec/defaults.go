package ocispec

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// defaultShmSize is docker's /dev/shm size when shm_size is not set.
const defaultShmSize = 64 << 20

// maskedPaths are docker's defaults: kernel interfaces that leak host
// information or allow harm, hidden from an unprivileged container.
var maskedPaths = []string{
	"/proc/asound",
	"/proc/acpi",
	"/proc/kcore",
	"/proc/keys",
	"/proc/latency_stats",
	"/proc/timer_list",
	"/proc/timer_stats",
	"/proc/sched_debug",
	"/proc/scsi",
	"/sys/firmware",
	"/sys/devices/virtual/powercap",
}

// readonlyPaths are docker's defaults: readable but not writable.
var readonlyPaths = []string{
	"/proc/bus",
	"/proc/fs",
	"/proc/irq",
	"/proc/sys",
	"/proc/sysrq-trigger",
}

// defaultMounts are the filesystems docker gives every container, less
// the ones user mounts replace: a user mount at the same destination, or
// any user mount at /dev for everything under /dev. writable makes /sys and
// the cgroup tree writable (privileged, writable-cgroups).
func defaultMounts(in Input, writable bool, user []specs.Mount) []specs.Mount {
	sysOpts := []string{"nosuid", "noexec", "nodev", "ro"}
	cgroupOpts := []string{"ro", "nosuid", "noexec", "nodev"}
	if writable {
		sysOpts = []string{"nosuid", "noexec", "nodev"}
		cgroupOpts = []string{"nosuid", "noexec", "nodev"}
	}
	shmSize := int64(in.Service.ShmSize)
	if shmSize == 0 {
		shmSize = defaultShmSize
	}
	all := []specs.Mount{
		{Destination: "/proc", Type: "proc", Source: "proc", Options: []string{"nosuid", "noexec", "nodev"}},
		{Destination: "/dev", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "strictatime", "mode=755", "size=65536k"}},
		{Destination: "/dev/pts", Type: "devpts", Source: "devpts", Options: []string{"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}},
		{Destination: "/sys", Type: "sysfs", Source: "sysfs", Options: sysOpts},
		{Destination: "/sys/fs/cgroup", Type: "cgroup", Source: "cgroup", Options: cgroupOpts},
		{Destination: "/dev/mqueue", Type: "mqueue", Source: "mqueue", Options: []string{"nosuid", "noexec", "nodev"}},
	}
	_, privateIPC := in.Namespaces[specs.IPCNamespace]
	switch {
	case in.Service.Ipc == "none":
		// docker: no /dev/shm at all.
	case !privateIPC:
		// The host's IPC namespace goes with the host's /dev/shm.
		all = append(all, specs.Mount{Destination: "/dev/shm", Type: "bind", Source: "/dev/shm", Options: []string{"rbind", "nosuid", "noexec", "nodev"}})
	default:
		// A joined IPC namespace (ipc: container:…) would share the other
		// container's /dev/shm under docker; the engine passes that as a
		// user mount at /dev/shm, which replaces this one.
		all = append(all, specs.Mount{Destination: "/dev/shm", Type: "tmpfs", Source: "shm", Options: []string{"nosuid", "noexec", "nodev", "mode=1777", "size=" + strconv.FormatInt(shmSize, 10)}})
	}
	replaced := map[string]bool{}
	for _, m := range user {
		replaced[filepath.Clean(m.Destination)] = true
	}
	var out []specs.Mount
	for _, m := range all {
		if replaced[m.Destination] || (replaced["/dev"] && strings.HasPrefix(m.Destination, "/dev/")) {
			continue
		}
		out = append(out, m)
	}
	return out
}

// defaultDeviceRules is docker's device cgroup for an unprivileged
// container: nothing but mknod and the few devices every container has.
func defaultDeviceRules() []specs.LinuxDeviceCgroup {
	num := func(n int64) *int64 { return &n }
	rules := []specs.LinuxDeviceCgroup{
		{Allow: false, Access: "rwm"},
		{Allow: true, Type: "c", Access: "m"},
		{Allow: true, Type: "b", Access: "m"},
	}
	for _, d := range []struct{ major, minor int64 }{
		{1, 3},    // /dev/null
		{1, 8},    // /dev/random
		{1, 7},    // /dev/full
		{5, 0},    // /dev/tty
		{1, 5},    // /dev/zero
		{1, 9},    // /dev/urandom
		{5, 1},    // /dev/console
		{5, 2},    // /dev/ptmx
		{10, 200}, // /dev/net/tun
	} {
		rules = append(rules, specs.LinuxDeviceCgroup{Allow: true, Type: "c", Major: num(d.major), Minor: num(d.minor), Access: "rwm"})
	}
	// Every pseudo-terminal: devpts slaves are major 136.
	rules = append(rules, specs.LinuxDeviceCgroup{Allow: true, Type: "c", Major: num(136), Access: "rwm"})
	return rules
}

// hostDevices lists the device nodes under the host's /dev for a
// privileged container, skipping the trees the container gets its own
// instance of (pts, shm, mqueue) and the console runc sets up itself.
func hostDevices() ([]specs.LinuxDevice, error) {
	var out []specs.LinuxDevice
	err := filepath.WalkDir("/dev", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) || os.IsPermission(err) {
				return nil // vanished or unreadable: not a device we can give
			}
			return err
		}
		if d.IsDir() {
			if slices.Contains([]string{"/dev/pts", "/dev/shm", "/dev/mqueue", "/dev/fd", "/dev/.udev", "/dev/.lxc"}, path) {
				return filepath.SkipDir
			}
			return nil
		}
		if path == "/dev/console" || d.Type()&(fs.ModeDevice|fs.ModeCharDevice) == 0 {
			return nil
		}
		var st unix.Stat_t
		if err := unix.Lstat(path, &st); err != nil {
			return nil
		}
		typ := "b"
		if d.Type()&fs.ModeCharDevice != 0 {
			typ = "c"
		}
		mode := fs.FileMode(st.Mode & 0o777)
		uid, gid := st.Uid, st.Gid
		out = append(out, specs.LinuxDevice{
			Path: path, Type: typ,
			Major: int64(unix.Major(st.Rdev)), Minor: int64(unix.Minor(st.Rdev)),
			FileMode: &mode, UID: &uid, GID: &gid,
		})
		return nil
	})
	return out, err
}

// depth counts a path's components, for ordering mounts parent first.
func depth(p string) int {
	return len(strings.Split(filepath.Clean(p), "/"))
}
