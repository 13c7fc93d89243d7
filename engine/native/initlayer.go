package native

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// initLayerDir is the engine's init layer, under its root: the lowest
// layer of every container's root above the image's, as docker's
// <id>-init layers are, holding the mountpoints every container has
// (/dev, /proc, /sys and the files /etc/hosts, /etc/resolv.conf and
// /etc/hostname are bind-mounted on). An image without them (FROM scratch)
// made runc create the seven in each container's upper directory, inodes
// allocated and later freed a container at a time; one read-only copy
// serves all.
const initLayerDir = "init"

// initLayerContents is what the init layer holds: directories (0755) and
// empty files (0644), root's.
func initLayerContents() (dirs, files []string) {
	return []string{"dev", "proc", "sys", "etc"}, []string{"etc/hosts", "etc/resolv.conf", "etc/hostname"}
}

// initLayer returns the init layer's path, making it if it is not there:
// in a directory of its own renamed into place, so that no berth sees a
// part of one (a berth killed midway leaves a stray .init-* at worst).
func (e *Engine) initLayer() (string, error) {
	path := filepath.Join(e.root, initLayerDir)
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	tmp, err := os.MkdirTemp(e.root, ".init-")
	if err != nil {
		return "", fmt.Errorf("make the init layer: %w", err)
	}
	defer os.RemoveAll(tmp)
	if err := fillInitLayer(tmp); err != nil {
		return "", fmt.Errorf("make the init layer: %w", err)
	}
	// Renaming onto the one another berth made meanwhile fails (EEXIST or
	// ENOTEMPTY, both fs.ErrExist): that one is as good.
	if err := os.Rename(tmp, path); err != nil && !errors.Is(err, fs.ErrExist) {
		return "", fmt.Errorf("make the init layer: %w", err)
	}
	return path, nil
}

// fillInitLayer makes the init layer's contents in dir. The modes are set
// after the fact: the umask must not narrow what every container sees (an
// /etc of 0700 is unreadable to its users).
func fillInitLayer(dir string) error {
	if err := os.Chmod(dir, 0o755); err != nil {
		return err
	}
	dirs, files := initLayerContents()
	for _, d := range dirs {
		p := filepath.Join(dir, d)
		if err := os.Mkdir(p, 0o755); err != nil {
			return err
		}
		if err := os.Chmod(p, 0o755); err != nil {
			return err
		}
	}
	for _, f := range files {
		p := filepath.Join(dir, f)
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			return err
		}
		if err := os.Chmod(p, 0o644); err != nil {
			return err
		}
	}
	return nil
}
