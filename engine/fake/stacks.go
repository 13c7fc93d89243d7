package fake

import (
	"context"
	"fmt"
	"maps"
	"sort"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/berth-dev/berth/engine"
)

var (
	_ engine.StacksLister = (*Engine)(nil)
	_ engine.Watcher      = (*Engine)(nil)
)

// ProjectNetworks lists the networks carrying the project label.
func (f *Engine) ProjectNetworks(ctx context.Context) ([]engine.Network, error) {
	f.record("ProjectNetworks")
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []engine.Network
	for _, n := range f.networks {
		if hasProject(n.Labels, "") {
			out = append(out, f.networkView(n))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// ProjectVolumes lists the volumes carrying the project label.
func (f *Engine) ProjectVolumes(ctx context.Context) ([]engine.Volume, error) {
	f.record("ProjectVolumes")
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []engine.Volume
	for _, v := range f.volumes {
		if hasProject(v.v.Labels, "") {
			out = append(out, cloneVolume(v.v))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// LeaseContainers lists the containers carrying the lease label.
func (f *Engine) LeaseContainers(ctx context.Context) ([]engine.Container, error) {
	f.record("LeaseContainers")
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []engine.Container
	for _, c := range f.containers {
		if _, ok := c.c.Labels[engine.LabelLease]; ok {
			out = append(out, c.view())
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// StartWatcher adds a running container that runs nothing: closing the
// returned connection removes it, as the real watcher's exit would. What
// the watcher does on its way out is up to the test.
func (f *Engine) StartWatcher(ctx context.Context, spec engine.WatcherSpec) (engine.WatcherConn, error) {
	f.record("StartWatcher", spec.Name)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if other := f.containerByExactName(spec.Name); other != nil {
		return nil, fmt.Errorf("create lease container %s: name already in use by container %s: %w", spec.Name, short(other.c.ID), engine.ErrConflict)
	}
	img := f.findImageLocked(spec.Image)
	if img == nil {
		return nil, fmt.Errorf("create lease container %s: %w", spec.Name, &engine.ImageNotFoundError{Ref: spec.Image})
	}
	id := f.newID("container", spec.Name)
	svc := types.ServiceConfig{Name: spec.Name, Image: spec.Image, Command: spec.Command}
	f.containers[id] = &container{
		spec: engine.ContainerSpec{Name: spec.Name, Service: svc, Labels: maps.Clone(spec.Labels)},
		c: engine.Container{ID: id, Name: spec.Name, Image: spec.Image, ImageID: img.ID,
			Labels: maps.Clone(spec.Labels), State: stateRunning, Created: f.now()},
		done: make(chan struct{}),
	}
	return &watcherConn{f: f, id: id, done: f.containers[id].done}, nil
}

// watcherConn is done when its container stops: closed, removed or killed.
type watcherConn struct {
	f    *Engine
	id   string
	done chan struct{}
}

func (w *watcherConn) Close() error {
	w.f.mu.Lock()
	defer w.f.mu.Unlock()
	if c := w.f.containers[w.id]; c != nil {
		if c.done != nil {
			close(c.done)
			c.done = nil
		}
		delete(w.f.containers, w.id)
	}
	return nil
}

func (w *watcherConn) Done() <-chan struct{} { return w.done }
