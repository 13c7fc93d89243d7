package engine

import (
	"context"
	"io"
	"os"
)

// PathStat describes a path inside a container.
type PathStat struct {
	Name       string
	Size       int64
	Mode       os.FileMode
	LinkTarget string // for a symbolic link, what it points to
}

// CopyToOptions tune a copy into a container.
type CopyToOptions struct {
	// CopyUIDGID keeps the owners recorded in the archive instead of
	// giving the files to the container's user (docker cp -a).
	CopyUIDGID bool
}

// Copier moves files in and out of containers as tar archives, the
// engine's archive API.
type Copier interface {
	// StatPath describes path in container id; ErrNotFound if it is absent.
	StatPath(ctx context.Context, id, path string) (PathStat, error)
	// CopyFromContainer returns a tar of path (a file, or a directory and
	// everything below it) whose entries are named from path's base name.
	CopyFromContainer(ctx context.Context, id, path string) (io.ReadCloser, PathStat, error)
	// CopyToContainer extracts the tar content into the existing directory
	// dir of container id.
	CopyToContainer(ctx context.Context, id, dir string, content io.Reader, opts CopyToOptions) error
}
