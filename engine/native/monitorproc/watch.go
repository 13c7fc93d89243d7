package monitorproc

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"syscall"

	"github.com/berth-dev/berth/engine/native/monitor"
)

// watchInput, in a watcher's monitor (see the engine's StartWatcher),
// kills the container once the holder's end of the pipe in is closed: the
// stop file first, so that the monitor does not restart it.
func watchInput(ctx context.Context, runc monitor.Runc, dir, id string, in *os.File) {
	_, _ = io.Copy(io.Discard, in)
	if f, err := os.Create(filepath.Join(dir, monitor.StopFile)); err == nil {
		f.Close()
	}
	_ = runc.Kill(ctx, id, syscall.SIGKILL, true)
}
