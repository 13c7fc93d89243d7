package reconcile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// projectStateDir is the directory Apply writes a project's inline secrets
// and configs to: berth-<project> under base, or under the system's
// temporary directory when base is empty.
func projectStateDir(base, project string) string {
	if base == "" {
		base = os.TempDir()
	}
	return filepath.Join(base, "berth-"+project)
}

// privateDir creates dir if needed and makes sure only this user can use
// it. The default lives in a shared temporary directory, where another
// user could have created it first (or left a symbolic link) to read what
// berth writes; berth refuses such a directory rather than leak secrets.
func privateDir(dir string) error {
	if err := os.MkdirAll(filepath.Dir(dir), 0o700); err != nil {
		return fmt.Errorf("create state directory: %w", err)
	}
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("create state directory: %w", err)
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return fmt.Errorf("state directory: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("state directory %s is not a directory (or is a symbolic link); remove it or set another state directory", dir)
	}
	if fi.Mode().Perm()&0o077 != 0 || !ownedByMe(fi) {
		return fmt.Errorf("state directory %s is not private to this user (mode %04o); berth writes secrets there: remove it or set another state directory",
			dir, fi.Mode().Perm())
	}
	return nil
}

// writeFileMounts writes the content of the inline mounts to their host
// files, replacing each atomically: a container created earlier keeps the
// file it was given. It returns warnings for owners it could not set.
func writeFileMounts(dir string, mounts []fileMount) ([]string, error) {
	var warnings []string
	checked := false
	for _, m := range mounts {
		if !m.inline {
			continue
		}
		if !checked {
			if err := privateDir(dir); err != nil {
				return nil, err
			}
			checked = true
		}
		warn, err := writeFileMount(m)
		if err != nil {
			return nil, fmt.Errorf("%s %s: write %s: %w", m.kind, m.source, m.host, err)
		}
		if warn != "" {
			warnings = append(warnings, warn)
		}
	}
	return warnings, nil
}

func writeFileMount(m fileMount) (warning string, err error) {
	dir := filepath.Dir(m.host)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(m.host)+".*")
	if err != nil {
		return "", err
	}
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(f.Name())
		}
	}()
	if _, err := f.WriteString(m.content); err != nil {
		return "", err
	}
	// Mode before owner: once the file belongs to someone else, this user
	// can no longer change its mode.
	if err := f.Chmod(m.mode); err != nil {
		return "", err
	}
	if m.uid >= 0 || m.gid >= 0 {
		if err := f.Chown(m.uid, m.gid); err != nil {
			if !errors.Is(err, fs.ErrPermission) {
				return "", err
			}
			warning = fmt.Sprintf("%s %s: cannot give %s to uid %d, gid %d without root; it keeps this user's ownership and mode %04o",
				m.kind, m.source, m.target, m.uid, m.gid, m.mode)
		}
	}
	if err := f.Close(); err != nil {
		return "", err
	}
	return warning, os.Rename(f.Name(), m.host)
}

// removeStateDir deletes a project's state directory after down, so that
// secrets written for its containers do not outlive them. A directory
// that is not this user's private one is not berth's and is left alone.
func removeStateDir(dir string) error {
	fi, err := os.Lstat(dir)
	if err != nil || !fi.IsDir() || !ownedByMe(fi) || fi.Mode().Perm()&0o077 != 0 {
		return nil
	}
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("remove the secrets berth wrote under %s: %w; delete the directory by hand", dir, err)
	}
	return nil
}
