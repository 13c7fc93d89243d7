package watch

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// Archive packs the files of a sync for the engine's copy API: a tar whose
// entries sit at their container paths relative to "/", so that one copy
// to "/" puts each in place. A directory is packed with everything in it.
// removed lists the container paths whose host files no longer exist:
// a copy cannot delete, so the caller removes them in the container.
func Archive(files []Mapping) (archive []byte, removed []string, err error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, m := range files {
		if m.Container == "" {
			continue
		}
		fi, err := os.Lstat(m.Host)
		if errors.Is(err, fs.ErrNotExist) {
			removed = append(removed, m.Container)
			continue
		}
		if err != nil {
			return nil, nil, fmt.Errorf("sync %s: %w", m.Host, err)
		}
		if !fi.IsDir() {
			if err := addFile(tw, m.Host, m.Container, fi); err != nil {
				return nil, nil, err
			}
			continue
		}
		err = filepath.WalkDir(m.Host, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, err := filepath.Rel(m.Host, p)
			if err != nil {
				return err
			}
			info, err := d.Info()
			if err != nil {
				return err
			}
			return addFile(tw, p, path.Join(m.Container, filepath.ToSlash(rel)), info)
		})
		if err != nil {
			return nil, nil, fmt.Errorf("sync %s: %w", m.Host, err)
		}
	}
	if err := tw.Close(); err != nil {
		return nil, nil, fmt.Errorf("sync: %w", err)
	}
	return buf.Bytes(), removed, nil
}

// addFile writes one file, directory or symlink at name in the container.
func addFile(tw *tar.Writer, host, name string, fi fs.FileInfo) error {
	link := ""
	if fi.Mode()&fs.ModeSymlink != 0 {
		var err error
		if link, err = os.Readlink(host); err != nil {
			return fmt.Errorf("sync %s: %w", host, err)
		}
	}
	h, err := tar.FileInfoHeader(fi, link)
	if err != nil {
		return fmt.Errorf("sync %s: %w", host, err)
	}
	h.Name = strings.TrimPrefix(name, "/")
	if fi.IsDir() {
		h.Name += "/"
	}
	// The container's files belong to its users, not to the host's.
	h.Uid, h.Gid, h.Uname, h.Gname = 0, 0, "", ""
	if err := tw.WriteHeader(h); err != nil {
		return fmt.Errorf("sync %s: %w", host, err)
	}
	if !fi.Mode().IsRegular() {
		return nil
	}
	f, err := os.Open(host)
	if err != nil {
		return fmt.Errorf("sync %s: %w", host, err)
	}
	defer f.Close()
	if _, err := io.Copy(tw, f); err != nil {
		return fmt.Errorf("sync %s: %w", host, err)
	}
	return nil
}
