package fake

import (
	"context"
	"fmt"
	"maps"
	"sort"

	"github.com/berth-dev/berth/engine"
)

// Volumes lists the project's volumes.
func (f *Engine) Volumes(ctx context.Context, project string) ([]engine.Volume, error) {
	f.record("Volumes", project)
	if err := hook1(ctx, "list volumes of project "+project, f.Hooks.Volumes, project); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []engine.Volume
	for _, v := range f.volumes {
		if hasProject(v.v.Labels, project) {
			out = append(out, cloneVolume(v.v))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// InspectVolume finds a volume by name.
func (f *Engine) InspectVolume(ctx context.Context, name string) (engine.Volume, error) {
	f.record("InspectVolume", name)
	if err := hook1(ctx, "inspect volume "+name, f.Hooks.InspectVolume, name); err != nil {
		return engine.Volume{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	v := f.volumes[name]
	if v == nil {
		return engine.Volume{}, fmt.Errorf("inspect volume %s: no such volume: %w", name, engine.ErrNotFound)
	}
	return cloneVolume(v.v), nil
}

// CreateVolume creates a volume; ErrConflict if the name is taken. An empty
// name creates an anonymous volume, as Docker does.
func (f *Engine) CreateVolume(ctx context.Context, spec engine.VolumeSpec) error {
	f.record("CreateVolume", spec.Name)
	if err := hook1(ctx, "create volume "+spec.Name, f.Hooks.CreateVolume, spec); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	name := spec.Name
	if name == "" {
		name = f.newID("anonymous-volume", "")
	}
	if f.volumes[name] != nil {
		return fmt.Errorf("create volume %s: already exists: %w", name, engine.ErrConflict)
	}
	driver := spec.Config.Driver
	if driver == "" {
		driver = "local"
	}
	f.volumes[name] = &volume{
		v: engine.Volume{Name: name, Driver: driver, Labels: maps.Clone(spec.Labels),
			Mountpoint: "/var/lib/docker/volumes/" + name + "/_data", Scope: "local"},
		anonymous: spec.Name == "",
	}
	return nil
}

// RemoveVolume removes a volume; ErrConflict while any container, running or
// not, mounts it.
func (f *Engine) RemoveVolume(ctx context.Context, name string) error {
	f.record("RemoveVolume", name)
	if err := hook1(ctx, "remove volume "+name, f.Hooks.RemoveVolume, name); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.volumes[name] == nil {
		return fmt.Errorf("remove volume %s: no such volume: %w", name, engine.ErrNotFound)
	}
	if f.volumeInUseLocked(name) {
		return fmt.Errorf("remove volume %s: volume is in use by a container: remove the container first: %w", name, engine.ErrConflict)
	}
	delete(f.volumes, name)
	return nil
}

func (f *Engine) volumeInUseLocked(name string) bool {
	for _, c := range f.containers {
		for _, m := range c.c.Mounts {
			if m.Type == "volume" && m.Name == name {
				return true
			}
		}
	}
	return false
}
