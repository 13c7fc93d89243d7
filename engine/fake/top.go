package fake

import (
	"context"
	"fmt"

	"github.com/berth-dev/berth/engine"
)

// topTitles are the columns the daemon's default `ps -ef` gives.
var topTitles = []string{"UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"}

// TopContainer reports one process, the container's command as PID 1,
// for a running or paused container; ErrConflict otherwise, as with Docker.
func (f *Engine) TopContainer(ctx context.Context, id string) (engine.Processes, error) {
	f.record("TopContainer", id)
	if err := hook1(ctx, "list processes of container "+short(id), f.Hooks.TopContainer, id); err != nil {
		return engine.Processes{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.containerLocked("list processes of", id)
	if err != nil {
		return engine.Processes{}, err
	}
	if c.done == nil {
		return engine.Processes{}, fmt.Errorf("list processes of container %s: container is not running: %w", c.c.Name, engine.ErrConflict)
	}
	row := []string{"root", "1", "0", "0", "00:00", "?", "00:00:00", c.c.Command}
	return engine.Processes{Titles: append([]string(nil), topTitles...), Rows: [][]string{row}}, nil
}
