package ocispec

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// errNotDevice is a host path that is neither a device node nor a
// directory holding any.
var errNotDevice = errors.New("not a character or block device, nor a directory holding any")

// serviceDevices returns the device nodes and the device cgroup allow
// rules that s's devices and device_cgroup_rules add to docker's defaults,
// in dockerd 20.10's order: each device's rule, then the service's rules.
// A privileged service gets every host device and access to all of them
// already, so, as dockerd does, its lists are only checked for form and
// the host is not read. Every bad entry is reported, each naming the key,
// the entry and what to do.
func serviceDevices(s types.ServiceConfig) ([]specs.LinuxDevice, []specs.LinuxDeviceCgroup, error) {
	var (
		devs  []specs.LinuxDevice
		rules []specs.LinuxDeviceCgroup
		errs  []error
	)
	for _, d := range s.Devices {
		d, err := normalizeDevice(d)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if s.Privileged {
			continue
		}
		nodes, err := devicesFromPath(d)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, n := range nodes {
			major, minor := n.Major, n.Minor
			devs = append(devs, n)
			rules = append(rules, specs.LinuxDeviceCgroup{Allow: true, Type: n.Type, Major: &major, Minor: &minor, Access: d.Permissions})
		}
	}
	for _, r := range s.DeviceCgroupRules {
		rule, err := parseDeviceCgroupRule(r)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		rules = append(rules, rule)
	}
	if len(errs) > 0 {
		return nil, nil, errors.Join(errs...)
	}
	if s.Privileged {
		return nil, nil, nil
	}
	return devs, rules, nil
}

// normalizeDevice fills in what the long syntax may leave out (the target
// is the source, the permissions rwm, as docker) and refuses what docker's
// CLI refuses: relative paths and permissions other than r, w and m.
func normalizeDevice(d types.DeviceMapping) (types.DeviceMapping, error) {
	if d.Target == "" {
		d.Target = d.Source
	}
	if d.Permissions == "" {
		d.Permissions = "rwm"
	}
	entry := d.Source + ":" + d.Target + ":" + d.Permissions
	switch {
	case !filepath.IsAbs(d.Source):
		return d, fmt.Errorf("devices: %q: the host path %q is not absolute: name the device by its full path, e.g. /dev/fuse", entry, d.Source)
	case !filepath.IsAbs(d.Target):
		return d, fmt.Errorf("devices: %q: the container path %q is not absolute: write HOST_PATH[:CONTAINER_PATH[:PERMISSIONS]], e.g. /dev/net/tun:/dev/net/tun:rwm", entry, d.Target)
	case !validAccess(d.Permissions, false):
		return d, fmt.Errorf("devices: %q: permissions %q: only r, w and m, each at most once (e.g. rwm, or r for read-only)", entry, d.Permissions)
	}
	return d, nil
}

// validAccess reports whether access is a device cgroup access of r, w and
// m. docker's device_cgroup_rules take any 1 to 3 of them (repeats too),
// its devices each at most once.
func validAccess(access string, repeats bool) bool {
	if access == "" || len(access) > 3 {
		return false
	}
	seen := map[rune]bool{}
	for _, c := range access {
		if !strings.ContainsRune("rwm", c) || (seen[c] && !repeats) {
			return false
		}
		seen[c] = true
	}
	return true
}

// devicesFromPath returns the container's nodes for the device mapping d
// as dockerd makes them: the host node itself (a symbolic link such as
// /dev/disk/by-id/… followed first), or for a directory such as /dev/snd
// every device node below it, each at the target plus its path below the
// directory. Anything else below the directory is skipped.
func devicesFromPath(d types.DeviceMapping) ([]specs.LinuxDevice, error) {
	fail := func(err error, hint string) error {
		return fmt.Errorf("devices: %q: %w: %s", d.Source+":"+d.Target+":"+d.Permissions, err, hint)
	}
	src, err := filepath.EvalSymlinks(d.Source)
	if err != nil {
		return nil, fail(err, "the host has no such device; fix the path or remove the entry")
	}
	dev, err := deviceFromPath(src)
	if err == nil {
		dev.Path = d.Target
		return []specs.LinuxDevice{dev}, nil
	}
	if !errors.Is(err, errNotDevice) {
		return nil, fail(err, "fix the path or remove the entry")
	}
	if fi, err := os.Stat(src); err != nil || !fi.IsDir() {
		return nil, fail(errNotDevice, "name a device node such as /dev/fuse or a directory of them such as /dev/snd")
	}
	var devs []specs.LinuxDevice
	err = filepath.WalkDir(src, func(path string, _ fs.DirEntry, err error) error {
		if err != nil {
			return nil // unreadable or vanished: not a device to give, as dockerd
		}
		dev, err := deviceFromPath(path)
		if err != nil {
			return nil
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		dev.Path = filepath.Join(d.Target, rel)
		devs = append(devs, dev)
		return nil
	})
	if err != nil {
		return nil, fail(err, "fix the path or remove the entry")
	}
	if len(devs) == 0 {
		return nil, fail(errNotDevice, "the directory holds no device nodes; name one that does or remove the entry")
	}
	return devs, nil
}

// deviceFromPath describes the device node at path, not following a
// symbolic link, with the host's mode and owner; errNotDevice when it is
// something else.
func deviceFromPath(path string) (specs.LinuxDevice, error) {
	var st unix.Stat_t
	if err := unix.Lstat(path, &st); err != nil {
		return specs.LinuxDevice{}, &fs.PathError{Op: "lstat", Path: path, Err: err}
	}
	var typ string
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFCHR:
		typ = "c"
	case unix.S_IFBLK:
		typ = "b"
	default:
		return specs.LinuxDevice{}, errNotDevice
	}
	mode := fs.FileMode(st.Mode & 0o777)
	uid, gid := st.Uid, st.Gid
	return specs.LinuxDevice{
		Path: path, Type: typ,
		Major: int64(unix.Major(st.Rdev)), Minor: int64(unix.Minor(st.Rdev)),
		FileMode: &mode, UID: &uid, GID: &gid,
	}, nil
}

// parseDeviceCgroupRule reads a device_cgroup_rules entry in docker's
// form "TYPE MAJOR:MINOR ACCESS": TYPE a, b or c, MAJOR and MINOR numbers
// or *, ACCESS 1 to 3 of r, w and m. It becomes an allow rule; a * is
// left unset, which the runtime spec reads as any.
func parseDeviceCgroupRule(rule string) (specs.LinuxDeviceCgroup, error) {
	bad := func(why string) (specs.LinuxDeviceCgroup, error) {
		return specs.LinuxDeviceCgroup{}, fmt.Errorf(`device_cgroup_rules: %q: %s; write "TYPE MAJOR:MINOR ACCESS", e.g. "c 10:200 rwm" or "b 7:* rw"`, rule, why)
	}
	parts := strings.Split(rule, " ")
	if len(parts) != 3 {
		return bad("want three fields separated by single spaces")
	}
	typ, nums, access := parts[0], parts[1], parts[2]
	if typ != "a" && typ != "b" && typ != "c" {
		return bad(fmt.Sprintf("type %q is none of a (all), b (block) and c (character)", typ))
	}
	majorStr, minorStr, ok := strings.Cut(nums, ":")
	if !ok {
		return bad(fmt.Sprintf("%q is not MAJOR:MINOR", nums))
	}
	major, err := deviceNumber(majorStr)
	if err != nil {
		return bad(fmt.Sprintf("major %q: %v", majorStr, err))
	}
	minor, err := deviceNumber(minorStr)
	if err != nil {
		return bad(fmt.Sprintf("minor %q: %v", minorStr, err))
	}
	if !validAccess(access, true) {
		return bad(fmt.Sprintf("access %q is not 1 to 3 of r, w and m", access))
	}
	return specs.LinuxDeviceCgroup{Allow: true, Type: typ, Major: major, Minor: minor, Access: access}, nil
}

// deviceNumber reads a major or minor number of a rule; nil for *.
func deviceNumber(s string) (*int64, error) {
	if s == "*" {
		return nil, nil
	}
	if s == "" || strings.TrimLeft(s, "0123456789") != "" {
		return nil, errors.New("not a number or *")
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return nil, errors.New("out of range")
	}
	return &n, nil
}
