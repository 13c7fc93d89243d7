package docker

import (
	"bufio"
	"context"
	"errors"
	"io"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/client"

	"github.com/berth-dev/berth/engine"
)

// Logs copies id's output to stdout and stderr. Without a TTY the engine
// multiplexes both streams into one and they are split apart here; with a
// TTY there is only one stream, which goes to stdout. Which of the two it is
// shows in the first bytes of the stream, so no inspect is needed: that
// saves one round trip per container, which is most of `logs` on a large
// project. When following, Logs returns nil once ctx ends.
func (e *Engine) Logs(ctx context.Context, id string, opts engine.LogOptions, stdout, stderr io.Writer) error {
	// Only opening the stream is retried: once output has been copied, a
	// repeat would print it twice.
	var rc io.ReadCloser
	err := e.call(ctx, "logs of container "+shortRef(id), idempotent, func(ctx context.Context) error {
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

	br := bufio.NewReader(rc)
	if multiplexed(br) {
		_, err = stdcopy.StdCopy(stdout, stderr, br)
	} else {
		_, err = io.Copy(stdout, br)
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

// multiplexed tells a multiplexed log stream from a TTY's raw one by its
// first frame header: a stream byte (0, 1 or 2 for stdin, stdout, stderr),
// three zero bytes, then a big-endian length. Text from a TTY does not
// start with a NUL-padded control byte, so the check does not misfire.
func multiplexed(br *bufio.Reader) bool {
	h, err := br.Peek(8)
	if err != nil {
		// Shorter than one header: empty, or a few bytes of TTY output.
		return false
	}
	return h[0] <= 2 && h[1] == 0 && h[2] == 0 && h[3] == 0
}
