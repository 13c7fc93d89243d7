package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/berth-dev/berth/engine"
)

// floorEngine is what the floor calls: the engine's create, start, stop and
// remove verbs, nothing that observes or plans.
type floorEngine interface {
	CreateNetwork(ctx context.Context, spec engine.NetworkSpec) (string, error)
	RemoveNetwork(ctx context.Context, id string) error
	InspectVolume(ctx context.Context, name string) (engine.Volume, error)
	CreateVolume(ctx context.Context, spec engine.VolumeSpec) error
	CreateContainer(ctx context.Context, spec engine.ContainerSpec) (string, error)
	StartContainer(ctx context.Context, id string) error
	StopContainer(ctx context.Context, id string, timeout *time.Duration) error
	RemoveContainer(ctx context.Context, id string, opts engine.RemoveOptions) error
}

// floor issues the API calls a Compose tool cannot avoid, with no file
// loading, observing or planning: the lower bound for up, down and recreate.
type floor struct {
	Engine   floorEngine
	Parallel int // engine calls in flight at once
}

// floorState is what the floor's up created, for its recreate and down.
type floorState struct {
	IDs      []string // container ID by service index
	Networks []string // network IDs
}

// up creates the networks and the volume, then each level of the dependency
// tree in parallel: a service is created and started only after the one it
// depends on has started. The volume is looked up first, as any tool must:
// volumes outlive down, so only the engine knows whether it exists.
func (f floor) up(ctx context.Context, s stack) (floorState, error) {
	st := floorState{IDs: make([]string, s.Size)}
	for _, spec := range s.networkSpecs() {
		id, err := f.Engine.CreateNetwork(ctx, spec)
		if err != nil {
			return st, fmt.Errorf("create network %s: %w", spec.Name, err)
		}
		st.Networks = append(st.Networks, id)
	}
	vol := s.volumeSpec()
	if _, err := f.Engine.InspectVolume(ctx, vol.Name); errors.Is(err, engine.ErrNotFound) {
		if err := f.Engine.CreateVolume(ctx, vol); err != nil {
			return st, fmt.Errorf("create volume %s: %w", vol.Name, err)
		}
	} else if err != nil {
		return st, fmt.Errorf("inspect volume %s: %w", vol.Name, err)
	}
	for _, lv := range s.levels() {
		err := f.each(ctx, lv, func(ctx context.Context, i int) error {
			id, err := f.createStart(ctx, s.containerSpec(i))
			st.IDs[i] = id // each goroutine writes only its own index
			return err
		})
		if err != nil {
			return st, err
		}
	}
	return st, nil
}

// recreate replaces service i's container by hand: stop, remove, create, start.
func (f floor) recreate(ctx context.Context, s stack, i int, id string) (string, error) {
	if err := f.Engine.StopContainer(ctx, id, nil); err != nil {
		return "", fmt.Errorf("stop %s: %w", s.containerName(i), err)
	}
	if err := f.Engine.RemoveContainer(ctx, id, engine.RemoveOptions{}); err != nil {
		return "", fmt.Errorf("remove %s: %w", s.containerName(i), err)
	}
	return f.createStart(ctx, s.containerSpec(i))
}

// down stops and removes containers dependents first, level by level, then
// removes the networks. The volume stays, as with down without -v.
func (f floor) down(ctx context.Context, s stack, st floorState) error {
	for _, lv := range slices.Backward(s.levels()) {
		err := f.each(ctx, lv, func(ctx context.Context, i int) error {
			if err := f.Engine.StopContainer(ctx, st.IDs[i], nil); err != nil {
				return fmt.Errorf("stop %s: %w", s.containerName(i), err)
			}
			if err := f.Engine.RemoveContainer(ctx, st.IDs[i], engine.RemoveOptions{}); err != nil {
				return fmt.Errorf("remove %s: %w", s.containerName(i), err)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	// Every network is tried even if one fails, as a tool's down does.
	var errs []error
	for _, id := range st.Networks {
		if err := f.Engine.RemoveNetwork(ctx, id); err != nil {
			errs = append(errs, fmt.Errorf("remove network %s: %w", id, err))
		}
	}
	return errors.Join(errs...)
}

func (f floor) createStart(ctx context.Context, spec engine.ContainerSpec) (string, error) {
	id, err := f.Engine.CreateContainer(ctx, spec)
	if err != nil {
		return "", fmt.Errorf("create %s: %w", spec.Name, err)
	}
	if err := f.Engine.StartContainer(ctx, id); err != nil {
		return id, fmt.Errorf("start %s: %w", spec.Name, err)
	}
	return id, nil
}

// each calls fn for every index in idx, at most f.Parallel at once, and
// returns the first error after all calls have finished.
func (f floor) each(ctx context.Context, idx []int, fn func(context.Context, int) error) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(f.Parallel)
	for _, i := range idx {
		g.Go(func() error { return fn(ctx, i) })
	}
	return g.Wait()
}
