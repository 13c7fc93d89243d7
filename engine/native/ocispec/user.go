package ocispec

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"

	"github.com/moby/sys/user"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// resolveUser turns a user spec ("", "uid", "uid:gid", "name",
// "name:group", …) into ids as dockerd does, reading the image's
// /etc/passwd and /etc/group: the primary group first among the
// additional ones, then the user's supplementary groups, then group_add.
// It also returns the user's home directory ("/" when unknown).
func resolveUser(rootfs, spec string, groupAdd []string) (specs.User, string, error) {
	root, err := os.OpenRoot(rootfs)
	if err != nil {
		return specs.User{}, "", fmt.Errorf("user: opening the container's root filesystem: %w", err)
	}
	defer root.Close()
	passwd, err := readInRoot(root, "/etc/passwd")
	if err != nil {
		return specs.User{}, "", fmt.Errorf("user: %w", err)
	}
	group, err := readInRoot(root, "/etc/group")
	if err != nil {
		return specs.User{}, "", fmt.Errorf("user: %w", err)
	}
	exec, err := user.GetExecUser(spec, &user.ExecUser{Home: "/"}, passwd, group)
	if err != nil {
		return specs.User{}, "", fmt.Errorf("user %q: %w (the image's /etc/passwd and /etc/group define the names)", spec, err)
	}
	u := specs.User{UID: uint32(exec.Uid), GID: uint32(exec.Gid), AdditionalGids: []uint32{uint32(exec.Gid)}}
	gids := slices.Clone(exec.Sgids)
	if len(groupAdd) > 0 {
		// GetAdditionalGroups reads its reader to the end: give it a fresh one.
		group, err := readInRoot(root, "/etc/group")
		if err != nil {
			return specs.User{}, "", fmt.Errorf("group_add: %w", err)
		}
		add, err := user.GetAdditionalGroups(groupAdd, group)
		if err != nil {
			return specs.User{}, "", fmt.Errorf("group_add: %w", err)
		}
		// It returns them in no fixed order; a stable one keeps specs
		// (and config hashes derived from them) the same from run to run.
		slices.Sort(add)
		gids = append(gids, add...)
	}
	for _, g := range gids {
		if !slices.Contains(u.AdditionalGids, uint32(g)) {
			u.AdditionalGids = append(u.AdditionalGids, uint32(g))
		}
	}
	return u, exec.Home, nil
}

// readInRoot returns the file at name inside root, resolving symlinks as
// if root were "/" (an image's absolute symlinks point into the image, not
// at the host); a missing file is a nil reader, which GetExecUser takes as
// "no entries". os.Root refuses any escape, even if the tree changes
// underneath.
func readInRoot(root *os.Root, name string) (io.Reader, error) {
	rel, err := resolveInRoot(root, name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("resolving %s in the image: %w", name, err)
	}
	data, err := root.ReadFile(rel)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s in the image: %w", name, err)
	}
	return strings.NewReader(string(data)), nil
}

// resolveInRoot follows symlinks along name within root and returns the
// resulting path relative to root, without symlinks in it.
func resolveInRoot(root *os.Root, name string) (string, error) {
	const maxLinks = 40
	resolved := "."
	rest := strings.Split(name, "/")
	for links := 0; len(rest) > 0; {
		c := rest[0]
		rest = rest[1:]
		switch c {
		case "", ".":
			continue
		case "..":
			// ".." at the top stays at the top, as at "/".
			resolved = path.Dir(resolved)
			continue
		}
		next := path.Join(resolved, c)
		fi, err := root.Lstat(next)
		if err != nil {
			return "", err
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			resolved = next
			continue
		}
		if links++; links > maxLinks {
			return "", fmt.Errorf("%s: too many levels of symbolic links", name)
		}
		target, err := root.Readlink(next)
		if err != nil {
			return "", err
		}
		if path.IsAbs(target) {
			resolved = "."
		}
		rest = append(strings.Split(target, "/"), rest...)
	}
	return resolved, nil
}
