package docker

import (
	"context"
	"fmt"

	"github.com/moby/moby/api/types/volume"
	"github.com/moby/moby/client"

	"github.com/berth-dev/berth/engine"
)

// Volumes lists the project's volumes in one call.
func (e *Engine) Volumes(ctx context.Context, project string) ([]engine.Volume, error) {
	var res client.VolumeListResult
	err := e.call(ctx, "list volumes of project "+project, idempotent, func(ctx context.Context) error {
		var err error
		res, err = e.cli.VolumeList(ctx, client.VolumeListOptions{Filters: projectFilter(project)})
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make([]engine.Volume, 0, len(res.Items))
	for _, v := range res.Items {
		out = append(out, fromVolume(v))
	}
	return out, nil
}

func fromVolume(v volume.Volume) engine.Volume {
	return engine.Volume{Name: v.Name, Driver: v.Driver, Labels: v.Labels, Mountpoint: v.Mountpoint, Scope: v.Scope}
}

// InspectVolume finds the volume called name.
func (e *Engine) InspectVolume(ctx context.Context, name string) (engine.Volume, error) {
	var res client.VolumeInspectResult
	err := e.call(ctx, "inspect volume "+name, idempotent, func(ctx context.Context) error {
		var err error
		res, err = e.cli.VolumeInspect(ctx, name, client.VolumeInspectOptions{})
		return err
	})
	if err != nil {
		return engine.Volume{}, err
	}
	return fromVolume(res.Volume), nil
}

// CreateVolume creates spec's volume. The daemon answers a create of an
// existing volume with that volume instead of a conflict, which is why a
// failed create may be retried, and also why the answer's project label is
// checked: a volume someone else made must not be silently taken over.
func (e *Engine) CreateVolume(ctx context.Context, spec engine.VolumeSpec) error {
	var got volume.Volume
	err := e.call(ctx, "create volume "+spec.Name, idempotent, func(ctx context.Context) error {
		res, err := e.cli.VolumeCreate(ctx, client.VolumeCreateOptions{
			Name:       spec.Name,
			Driver:     spec.Config.Driver,
			DriverOpts: spec.Config.DriverOpts,
			Labels:     mergeLabels(spec.Config.Labels, spec.Labels),
		})
		got = res.Volume
		return err
	})
	if err != nil {
		return err
	}
	if want := spec.Labels[engine.LabelProject]; want != "" && got.Labels[engine.LabelProject] != want {
		return fmt.Errorf("create volume %s: volume already exists without the labels of project %s: %w", spec.Name, want, engine.ErrConflict)
	}
	return nil
}

// RemoveVolume removes the volume called name; ErrConflict while a
// container uses it.
func (e *Engine) RemoveVolume(ctx context.Context, name string) error {
	return e.call(ctx, "remove volume "+name, removal, func(ctx context.Context) error {
		_, err := e.cli.VolumeRemove(ctx, name, client.VolumeRemoveOptions{})
		return err
	})
}
