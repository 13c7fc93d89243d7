package docker

import (
	"context"
	"io"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/berth-dev/berth/engine"
)

var _ engine.Copier = (*Engine)(nil)

// StatPath describes path in container id.
func (e *Engine) StatPath(ctx context.Context, id, path string) (engine.PathStat, error) {
	var res client.ContainerStatPathResult
	err := e.call(ctx, "stat "+path+" in container "+shortID(id), idempotent, func(ctx context.Context) error {
		var err error
		res, err = e.cli.ContainerStatPath(ctx, id, client.ContainerStatPathOptions{Path: path})
		return err
	})
	if err != nil {
		return engine.PathStat{}, err
	}
	return pathStat(res.Stat), nil
}

// CopyFromContainer streams path out of container id as a tar. The copy is
// not retried once the stream has begun.
func (e *Engine) CopyFromContainer(ctx context.Context, id, path string) (io.ReadCloser, engine.PathStat, error) {
	var res client.CopyFromContainerResult
	err := e.call(ctx, "copy "+path+" from container "+shortID(id), idempotent, func(ctx context.Context) error {
		var err error
		res, err = e.cli.CopyFromContainer(ctx, id, client.CopyFromContainerOptions{SourcePath: path})
		return err
	})
	if err != nil {
		return nil, engine.PathStat{}, err
	}
	return res.Content, pathStat(res.Stat), nil
}

// CopyToContainer extracts content into dir of container id. It is never
// retried: content is a stream that cannot be sent twice.
func (e *Engine) CopyToContainer(ctx context.Context, id, dir string, content io.Reader, opts engine.CopyToOptions) error {
	if _, err := e.APIVersion(ctx); err != nil {
		return err
	}
	_, err := e.cli.CopyToContainer(ctx, id, client.CopyToContainerOptions{
		DestinationPath: dir,
		Content:         content,
		CopyUIDGID:      opts.CopyUIDGID,
	})
	return e.wrap("copy to "+dir+" in container "+shortID(id), err)
}

func pathStat(s container.PathStat) engine.PathStat {
	return engine.PathStat{Name: s.Name, Size: s.Size, Mode: s.Mode, LinkTarget: s.LinkTarget}
}
