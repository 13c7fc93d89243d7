package fake

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
	"sync"

	archive "github.com/moby/go-archive"

	"github.com/berth-dev/berth/engine"
)

var _ engine.Copier = (*Engine)(nil)

// fsEntry is a file, directory or symbolic link in a container's file
// system. The fake holds only what tests wrote or copied in; every
// container's "/" exists.
type fsEntry struct {
	mode os.FileMode
	data []byte
	link string
}

// files holds the containers' file systems, by container ID and then by
// clean absolute path.
type files struct {
	mu sync.Mutex
	by map[string]map[string]*fsEntry
}

func (f *Engine) fs(id string) (map[string]*fsEntry, *sync.Mutex, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.containers[id] == nil {
		return nil, nil, fmt.Errorf("container %s: no such container: %w", short(id), engine.ErrNotFound)
	}
	if f.files == nil {
		f.files = &files{by: map[string]map[string]*fsEntry{}}
	}
	if f.files.by[id] == nil {
		f.files.by[id] = map[string]*fsEntry{"/": {mode: fs.ModeDir | 0o755}}
	}
	return f.files.by[id], &f.files.mu, nil
}

// WriteFile puts a file into container id, creating its parent
// directories; mode may carry fs.ModeDir to make a directory, or
// fs.ModeSymlink with data as the link's target.
func (f *Engine) WriteFile(id, p string, data []byte, mode os.FileMode) error {
	tree, mu, err := f.fs(id)
	if err != nil {
		return err
	}
	mu.Lock()
	defer mu.Unlock()
	put(tree, path.Clean("/"+p), mode, data)
	return nil
}

// ReadFile returns a file of container id and its mode.
func (f *Engine) ReadFile(id, p string) ([]byte, os.FileMode, error) {
	tree, mu, err := f.fs(id)
	if err != nil {
		return nil, 0, err
	}
	mu.Lock()
	defer mu.Unlock()
	e := tree[path.Clean("/"+p)]
	if e == nil {
		return nil, 0, fmt.Errorf("read %s in container %s: %w", p, short(id), fs.ErrNotExist)
	}
	return bytes.Clone(e.data), e.mode, nil
}

func put(tree map[string]*fsEntry, p string, mode os.FileMode, data []byte) {
	for dir := path.Dir(p); tree[dir] == nil; dir = path.Dir(dir) {
		tree[dir] = &fsEntry{mode: fs.ModeDir | 0o755}
	}
	e := &fsEntry{mode: mode}
	switch {
	case mode&fs.ModeSymlink != 0:
		e.link = string(data)
	case !mode.IsDir():
		e.data = bytes.Clone(data)
	}
	tree[p] = e
}

// StatPath describes a path of container id.
func (f *Engine) StatPath(ctx context.Context, id, p string) (engine.PathStat, error) {
	f.record("StatPath", id, p)
	tree, mu, err := f.fs(id)
	if err != nil {
		return engine.PathStat{}, err
	}
	mu.Lock()
	defer mu.Unlock()
	clean := path.Clean("/" + p)
	e := tree[clean]
	if e == nil {
		return engine.PathStat{}, fmt.Errorf("stat %s in container %s: no such file or directory: %w", p, short(id), engine.ErrNotFound)
	}
	return engine.PathStat{Name: path.Base(clean), Size: int64(len(e.data)), Mode: e.mode, LinkTarget: e.link}, nil
}

// CopyFromContainer tars path as the engine does: entries are named from
// path's last element, or "." for a path ending in "/.".
func (f *Engine) CopyFromContainer(ctx context.Context, id, p string) (io.ReadCloser, engine.PathStat, error) {
	st, err := f.StatPath(ctx, id, p)
	if err != nil {
		return nil, st, err
	}
	f.record("CopyFromContainer", id, p)
	tree, mu, _ := f.fs(id)
	mu.Lock()
	defer mu.Unlock()
	clean := path.Clean("/" + p)
	_, base := archive.SplitPathDirEntry(p)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	names := []string{clean}
	if st.Mode.IsDir() {
		for q := range tree {
			if strings.HasPrefix(q, strings.TrimSuffix(clean, "/")+"/") {
				names = append(names, q)
			}
		}
	}
	slices.Sort(names)
	for _, q := range names {
		e := tree[q]
		name := base + strings.TrimPrefix(q, clean)
		hdr := &tar.Header{Name: name, Mode: int64(e.mode.Perm()), Size: int64(len(e.data)), Typeflag: tar.TypeReg}
		switch {
		case e.mode.IsDir():
			hdr.Typeflag, hdr.Name, hdr.Size = tar.TypeDir, name+"/", 0
		case e.mode&fs.ModeSymlink != 0:
			hdr.Typeflag, hdr.Linkname, hdr.Size = tar.TypeSymlink, e.link, 0
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, st, err
		}
		if _, err := tw.Write(e.data); err != nil {
			return nil, st, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, st, err
	}
	return io.NopCloser(&buf), st, nil
}

// CopyToContainer extracts a tar into the directory dir of container id.
func (f *Engine) CopyToContainer(ctx context.Context, id, dir string, content io.Reader, opts engine.CopyToOptions) error {
	st, err := f.StatPath(ctx, id, dir)
	if err != nil {
		return err
	}
	f.record("CopyToContainer", id, dir)
	if !st.Mode.IsDir() {
		return fmt.Errorf("copy to %s in container %s: not a directory", dir, short(id))
	}
	tree, mu, _ := f.fs(id)
	mu.Lock()
	defer mu.Unlock()
	tr := tar.NewReader(content)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("copy to %s in container %s: read archive: %w", dir, short(id), err)
		}
		p := path.Join("/", dir, hdr.Name)
		switch hdr.Typeflag {
		case tar.TypeDir:
			put(tree, p, fs.ModeDir|os.FileMode(hdr.Mode).Perm(), nil)
		case tar.TypeSymlink:
			put(tree, p, fs.ModeSymlink|0o777, []byte(hdr.Linkname))
		case tar.TypeReg:
			data, err := io.ReadAll(tr)
			if err != nil {
				return err
			}
			if old := tree[p]; old != nil && old.mode.IsDir() {
				return fmt.Errorf("copy to %s in container %s: cannot overwrite directory %s with a file", dir, short(id), p)
			}
			put(tree, p, os.FileMode(hdr.Mode).Perm(), data)
		}
	}
}
