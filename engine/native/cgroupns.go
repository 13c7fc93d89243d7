package native

import "golang.org/x/sys/unix"

// privateCgroupNS is whether a container gets a cgroup namespace of its
// own: what the service's cgroup key says, else dockerd's default, which
// is private on the unified hierarchy (v2) and the host's on v1. In its
// own, the container sees its cgroup as the root of /sys/fs/cgroup.
func privateCgroupNS(mode string, v2 bool) bool {
	return mode == "private" || (mode == "" && v2)
}

// unifiedCgroups is whether the cgroup tree at path is the unified (v2)
// hierarchy, as runc decides it.
func unifiedCgroups(path string) bool {
	var st unix.Statfs_t
	return unix.Statfs(path, &st) == nil && st.Type == unix.CGROUP2_SUPER_MAGIC
}
