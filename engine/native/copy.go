package native

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/moby/go-archive"

	"github.com/berth-dev/berth/engine"
)

var _ engine.Copier = (*Engine)(nil)

// maxSymlinks bounds symlink resolution, as the kernel's ELOOP does.
const maxSymlinks = 40

// hostPath maps path inside container c to the host: below the mounted
// root, or below the host source of a bind or volume mounted over it.
// Symbolic links in the parent directories resolve inside the container;
// the last element is not followed, as docker's archive API does.
func (e *Engine) hostPath(ctx context.Context, c *container, p string) (string, error) {
	rootfs, err := e.mountRootfs(ctx, c)
	if err != nil {
		return "", err
	}
	p = path.Clean("/" + p)
	dir, base := path.Split(p)
	resolved, err := resolveIn(dir, func(p string) (string, string) { return e.mountFor(c, rootfs, p) })
	if err != nil {
		return "", err
	}
	root, rel := e.mountFor(c, rootfs, path.Join(resolved, base))
	return filepath.Join(root, rel), nil
}

// mountFor is the host directory holding container path p and p relative
// to it: the deepest mount covering p, else the root.
func (e *Engine) mountFor(c *container, rootfs, p string) (string, string) {
	best, root := "", rootfs
	for _, m := range c.Mounts {
		if m.Type == "tmpfs" || m.Source == "" {
			continue
		}
		d := path.Clean(m.Destination)
		if (p == d || strings.HasPrefix(p, d+"/")) && len(d) > len(best) {
			best, root = d, m.Source
		}
	}
	return root, strings.TrimPrefix(p, best)
}

// resolveIn resolves symbolic links in the container path p, each link
// target read on the host through where and interpreted inside the
// container, so that no link leads out of it.
func resolveIn(p string, where func(string) (string, string)) (string, error) {
	parts := strings.Split(strings.Trim(p, "/"), "/")
	cur := "/"
	hops := 0
	for len(parts) > 0 {
		part := parts[0]
		parts = parts[1:]
		if part == "" || part == "." {
			continue
		}
		if part == ".." {
			cur = path.Dir(cur)
			continue
		}
		next := path.Join(cur, part)
		root, rel := where(next)
		target, err := os.Readlink(filepath.Join(root, rel))
		if err != nil {
			// Not a link (or absent): a path component as is.
			cur = next
			continue
		}
		if hops++; hops > maxSymlinks {
			return "", fmt.Errorf("%s: too many levels of symbolic links", p)
		}
		if path.IsAbs(target) {
			cur = "/"
		}
		parts = append(strings.Split(strings.Trim(target, "/"), "/"), parts...)
	}
	return cur, nil
}

// StatPath describes path in the container.
func (e *Engine) StatPath(ctx context.Context, ref, p string) (engine.PathStat, error) {
	c, err := e.lookup(ref)
	if err != nil {
		return engine.PathStat{}, err
	}
	host, err := e.hostPath(ctx, c, p)
	if err != nil {
		return engine.PathStat{}, fmt.Errorf("stat %s in container %s: %w", p, c.Name, err)
	}
	return statHost(host, p)
}

func statHost(host, p string) (engine.PathStat, error) {
	fi, err := os.Lstat(host)
	if errors.Is(err, fs.ErrNotExist) {
		return engine.PathStat{}, fmt.Errorf("no such file or directory: %s: %w", p, engine.ErrNotFound)
	}
	if err != nil {
		return engine.PathStat{}, err
	}
	st := engine.PathStat{Name: path.Base(path.Clean("/" + p)), Size: fi.Size(), Mode: fi.Mode()}
	if fi.Mode()&fs.ModeSymlink != 0 {
		st.LinkTarget, _ = os.Readlink(host)
	}
	return st, nil
}

// CopyFromContainer returns a tar of path, its entries named from path's
// base name.
func (e *Engine) CopyFromContainer(ctx context.Context, ref, p string) (io.ReadCloser, engine.PathStat, error) {
	c, err := e.lookup(ref)
	if err != nil {
		return nil, engine.PathStat{}, err
	}
	host, err := e.hostPath(ctx, c, p)
	if err != nil {
		return nil, engine.PathStat{}, fmt.Errorf("copy %s from container %s: %w", p, c.Name, err)
	}
	st, err := statHost(host, p)
	if err != nil {
		return nil, engine.PathStat{}, err
	}
	base := filepath.Base(host)
	rc, err := archive.TarWithOptions(filepath.Dir(host), &archive.TarOptions{
		IncludeFiles: []string{base},
		RebaseNames:  map[string]string{base: st.Name},
	})
	if err != nil {
		return nil, engine.PathStat{}, fmt.Errorf("copy %s from container %s: %w", p, c.Name, err)
	}
	return rc, st, nil
}

// CopyToContainer extracts content into the existing directory dir of the
// container, owned by root unless the archive's owners are kept.
func (e *Engine) CopyToContainer(ctx context.Context, ref, dir string, content io.Reader, opts engine.CopyToOptions) error {
	c, err := e.lookup(ref)
	if err != nil {
		return err
	}
	op := fmt.Sprintf("copy to %s in container %s", dir, c.Name)
	host, err := e.hostPath(ctx, c, dir)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if fi, err := os.Stat(host); err != nil || !fi.IsDir() {
		return fmt.Errorf("%s: no such directory: %w", op, engine.ErrNotFound)
	}
	topts := &archive.TarOptions{}
	if !opts.CopyUIDGID {
		topts.ChownOpts = &archive.ChownOpts{UID: 0, GID: 0}
	}
	if err := archive.Untar(content, host, topts); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return nil
}
