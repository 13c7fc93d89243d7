package native

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/native/monitor"
)

// AutoRemove is `berth native-teardown DIR` (monitorproc.TeardownCommand),
// which the monitor of the
// container in dir (<root>/containers/<id>) runs once the container has
// exited for good: when its record asks for auto-removal (docker's
// AutoRemove, `run --rm`), it removes the container and its anonymous
// volumes. A container already gone is no error.
func AutoRemove(ctx context.Context, dir string) error {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	cfg, err := monitor.ReadConfig(dir)
	if err != nil {
		return fmt.Errorf("auto-remove: %w", err)
	}
	e, err := New(Options{Root: filepath.Dir(filepath.Dir(dir)), Runc: cfg.Runc})
	if err != nil {
		return err
	}
	c, err := e.readContainer(filepath.Base(dir))
	if errors.Is(err, engine.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if !c.AutoRemove {
		return nil
	}
	if err := e.teardown(ctx, c); err != nil {
		return fmt.Errorf("remove container %s: %w", c.Name, err)
	}
	for _, name := range c.Anonymous {
		_ = e.RemoveVolume(ctx, name)
	}
	return nil
}
