package fake

import (
	"context"
	"fmt"
	"slices"

	"github.com/berth-dev/berth/engine"
)

var _ engine.StatsReader = (*Engine)(nil)

// SetStats sets the readings ContainerStats returns for container id.
func (f *Engine) SetStats(id string, samples ...engine.StatsSample) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.containers[id] == nil {
		return fmt.Errorf("set stats of container %s: no such container: %w", short(id), engine.ErrNotFound)
	}
	if f.stats == nil {
		f.stats = map[string][]engine.StatsSample{}
	}
	f.stats[id] = slices.Clone(samples)
	return nil
}

// ContainerStats returns the first reading set with SetStats (a zero one
// when none was) or, when streaming, every reading in turn and then waits
// for ctx to end.
func (f *Engine) ContainerStats(ctx context.Context, id string, stream bool, fn func(engine.StatsSample) error) error {
	f.record("ContainerStats", id)
	f.mu.Lock()
	_, ok := f.containers[id]
	samples := slices.Clone(f.stats[id])
	f.mu.Unlock()
	if !ok {
		return fmt.Errorf("read stats of container %s: no such container: %w", short(id), engine.ErrNotFound)
	}
	if len(samples) == 0 {
		samples = []engine.StatsSample{{}}
	}
	if !stream {
		samples = samples[:1]
	}
	for _, s := range samples {
		if err := fn(s); err != nil {
			return err
		}
	}
	if stream {
		<-ctx.Done()
	}
	return nil
}
