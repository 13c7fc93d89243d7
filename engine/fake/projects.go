package fake

import (
	"context"
	"sort"

	"github.com/berth-dev/berth/engine"
)

// ProjectContainers lists the containers carrying the project label, of
// any project: only running and paused ones unless all.
func (f *Engine) ProjectContainers(ctx context.Context, all bool) ([]engine.Container, error) {
	f.record("ProjectContainers")
	if err := hook1(ctx, "list containers of all projects", f.Hooks.ProjectContainers, all); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []engine.Container
	for _, c := range f.containers {
		if hasProject(c.c.Labels, "") && (all || c.done != nil) {
			out = append(out, c.view())
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}
