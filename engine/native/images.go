package native

import (
	"context"
	"fmt"
	"io"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/native/store"
)

func imageView(i store.Image) engine.Image {
	return engine.Image{
		ID:          i.ID,
		Tags:        i.Tags,
		Labels:      i.Config.Labels,
		Size:        i.Size,
		Created:     i.Created,
		Platform:    i.Platform,
		Digests:     i.Digests,
		LastTagTime: i.LastTagTime,
	}
}

// Images lists the store's images.
func (e *Engine) Images(ctx context.Context) ([]engine.Image, error) {
	all, err := e.store.List(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]engine.Image, 0, len(all))
	for _, i := range all {
		out = append(out, imageView(i))
	}
	return out, nil
}

// InspectImage resolves ref in the store.
func (e *Engine) InspectImage(ctx context.Context, ref string) (engine.Image, error) {
	i, err := e.store.Inspect(ctx, ref)
	if err != nil {
		return engine.Image{}, err
	}
	return imageView(i), nil
}

// RemoveImage untags ref, and deletes the image when no tag is left; an
// image a container was created from is refused.
func (e *Engine) RemoveImage(ctx context.Context, ref string) error {
	i, err := e.store.Inspect(ctx, ref)
	if err != nil {
		return fmt.Errorf("remove image %s: %w", ref, err)
	}
	cs, err := e.allContainers()
	if err != nil {
		return err
	}
	// Untagging one of several tags leaves the image, which docker allows
	// whoever uses it.
	if len(i.Tags) <= 1 || ref == i.ID {
		for _, c := range cs {
			if c.ImageID == i.ID {
				return fmt.Errorf("remove image %s: container %s uses it: remove the container first: %w", ref, c.Name, engine.ErrConflict)
			}
		}
	}
	return e.store.Remove(ctx, ref)
}

// LoadImages reads a `docker save` or OCI archive into the store and
// returns the references it held.
func (e *Engine) LoadImages(ctx context.Context, r io.Reader) ([]string, error) {
	return e.store.Load(ctx, r)
}

// PullImage fetches ref into the store.
func (e *Engine) PullImage(ctx context.Context, ref string, opts engine.PullOptions) error {
	return e.store.Pull(ctx, ref, opts, e.kc)
}

// PushImage sends the stored image ref to its registry.
func (e *Engine) PushImage(ctx context.Context, ref string, progress func(engine.PullEvent)) error {
	return e.store.Push(ctx, ref, progress, e.kc)
}

// BuildImage is not available: the native engine has no builder.
func (e *Engine) BuildImage(ctx context.Context, spec engine.BuildSpec, out io.Writer) error {
	return fmt.Errorf("build %s: building images is %w on the native engine: build with --engine docker, then `docker save %s | berth --engine native image load`", spec.Tag, engine.ErrUnsupported, spec.Tag)
}
