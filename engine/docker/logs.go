package docker

import (
	"context"
	"errors"
	"io"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/client"

	"github.com/berth-dev/berth/engine"
)

// Logs copies id's output to stdout and stderr. Without a TTY the engine
// multiplexes both streams into one and they are split apart here; with a
// TTY there is only one stream, which goes to stdout. When following, Logs
// returns nil once ctx ends.
func (e *Engine) Logs(ctx context.Context, id string, opts engine.LogOptions, stdout, stderr io.Writer) error {
	info, err := e.inspectContainer(ctx, "logs of container "+shortRef(id), id)
	if err != nil {
		return err
	}
	tty := info.Container.Config != nil && info.Container.Config.Tty

	// Only opening the stream is retried: once output has been copied, a
	// repeat would print it twice.
	var rc io.ReadCloser
	err = e.call(ctx, "logs of container "+shortRef(id), idempotent, func(ctx context.Context) error {
		var err error
		rc, err = e.cli.ContainerLogs(ctx, id, client.ContainerLogsOptions{
			ShowStdout: true,
			ShowStderr: true,
			Follow:     opts.Follow,
			Tail:       opts.Tail,
			Since:      opts.Since,
			Until:      opts.Until,
			Timestamps: opts.Timestamps,
		})
		return err
	})
	if err != nil {
		return err
	}
	defer rc.Close()

	if tty {
		_, err = io.Copy(stdout, rc)
	} else {
		_, err = stdcopy.StdCopy(stdout, stderr, rc)
	}
	if err != nil {
		if opts.Follow && ctx.Err() != nil {
			return nil
		}
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return err
		}
		return e.wrap("logs of container "+shortRef(id), err)
	}
	return nil
}
