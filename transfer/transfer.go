// Package transfer copies files between the host and containers as docker
// cp does: a file or a directory, into a directory or onto a new name,
// through the engine's tar archive API. The archive rules (what a trailing
// "/" or "/." means, when the copy renames) are moby's go-archive, which the
// docker CLI uses too.
package transfer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"

	archive "github.com/moby/go-archive"

	"github.com/berth-dev/berth/engine"
)

// Options tune a copy.
type Options struct {
	// FollowLink copies what a symbolic link source points to instead of
	// the link (docker cp -L).
	FollowLink bool
	// Archive keeps the owners of the copied files (docker cp -a).
	Archive bool
}

// SplitArg splits a cp argument into a service and a path: "web:/etc"
// names a service's path, "/etc", "./a:b" and "a" are local paths.
func SplitArg(arg string) (service, p string) {
	if filepath.IsAbs(arg) {
		return "", arg
	}
	service, p, ok := strings.Cut(arg, ":")
	if !ok || strings.HasPrefix(service, ".") {
		return "", arg
	}
	return service, p
}

// FromContainer copies src out of container id to dst on the host, or as
// a tar to stdout when dst is "-".
func FromContainer(ctx context.Context, eng engine.Copier, id, src, dst string, stdout io.Writer, opts Options) error {
	if dst != "-" {
		abs, err := localPath(dst)
		if err != nil {
			return err
		}
		dst = abs
		if err := checkLocalDest(dst); err != nil {
			return err
		}
	}
	rebase := ""
	if opts.FollowLink {
		st, err := eng.StatPath(ctx, id, src)
		if err == nil && st.Mode&os.ModeSymlink != 0 {
			target := st.LinkTarget
			if !path.IsAbs(target) {
				dir, _ := archive.SplitPathDirEntry(src)
				target = path.Join(dir, target)
			}
			src, rebase = archive.GetRebaseName(src, target)
		}
	}
	content, st, err := eng.CopyFromContainer(ctx, id, src)
	if err != nil {
		return err
	}
	defer content.Close()
	if dst == "-" {
		_, err := io.Copy(stdout, content)
		return err
	}
	info := archive.CopyInfo{Path: src, Exists: true, IsDir: st.Mode.IsDir(), RebaseName: rebase}
	var r io.Reader = content
	if rebase != "" {
		_, base := archive.SplitPathDirEntry(src)
		rebased := archive.RebaseArchiveEntries(content, base, rebase)
		defer rebased.Close()
		r = rebased
	}
	if err := archive.CopyTo(r, info, dst); err != nil {
		return fmt.Errorf("copy to %s: %w", dst, err)
	}
	return nil
}

// ToContainer copies src on the host into container id at dst; src "-"
// reads a tar from stdin, which is extracted into the directory dst.
func ToContainer(ctx context.Context, eng engine.Copier, id, src, dst string, stdin io.Reader, opts Options) error {
	dstInfo := archive.CopyInfo{Path: dst}
	st, err := eng.StatPath(ctx, id, dst)
	if err == nil && st.Mode&os.ModeSymlink != 0 {
		// A link as destination means what it points to.
		target := st.LinkTarget
		if !path.IsAbs(target) {
			dir, _ := archive.SplitPathDirEntry(dst)
			target = path.Join(dir, target)
		}
		dstInfo.Path = target
		st, err = eng.StatPath(ctx, id, target)
	}
	switch {
	case err == nil:
		if !st.Mode.IsDir() && !st.Mode.IsRegular() {
			return fmt.Errorf("destination %s must be a directory or a regular file", dst)
		}
		dstInfo.Exists, dstInfo.IsDir = true, st.Mode.IsDir()
	case !errors.Is(err, engine.ErrNotFound):
		return err
	}
	// A destination that does not exist is created by the extraction, as
	// long as its parent exists; the engine says so otherwise.
	copyOpts := engine.CopyToOptions{CopyUIDGID: opts.Archive}
	if src == "-" {
		if !dstInfo.IsDir {
			return fmt.Errorf("destination %s must be an existing directory to extract a tar from stdin into", dst)
		}
		return eng.CopyToContainer(ctx, id, dstInfo.Path, stdin, copyOpts)
	}
	abs, err := localPath(src)
	if err != nil {
		return err
	}
	srcInfo, err := archive.CopyInfoSourcePath(abs, opts.FollowLink)
	if err != nil {
		return fmt.Errorf("copy %s: %w", src, err)
	}
	tar, err := archive.TarResource(srcInfo)
	if err != nil {
		return fmt.Errorf("copy %s: %w", src, err)
	}
	defer tar.Close()
	dir, prepared, err := archive.PrepareArchiveCopy(tar, srcInfo, dstInfo)
	if err != nil {
		return fmt.Errorf("copy %s to %s: %w", src, dst, err)
	}
	defer prepared.Close()
	return eng.CopyToContainer(ctx, id, dir, prepared, copyOpts)
}

// localPath makes p absolute, keeping a trailing "/" or "/.", which
// decide whether a copy goes into a directory or becomes it.
func localPath(p string) (string, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	return archive.PreserveTrailingDotOrSeparator(abs, p), nil
}

// checkLocalDest refuses a destination whose parent is missing or not a
// directory before anything is read from the container.
func checkLocalDest(dst string) error {
	dir := filepath.Dir(strings.TrimSuffix(dst, string(filepath.Separator)))
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("destination directory %s does not exist: create it first", dir)
	case err != nil:
		return err
	case !st.IsDir():
		return fmt.Errorf("destination %s: %s is not a directory", dst, dir)
	}
	return nil
}
