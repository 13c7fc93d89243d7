package docker

import (
	"context"
	"strings"

	"github.com/moby/moby/client"

	"github.com/berth-dev/berth/engine"
)

// Images lists all local images in one call.
func (e *Engine) Images(ctx context.Context) ([]engine.Image, error) {
	res, err := e.cli.ImageList(ctx, client.ImageListOptions{})
	if err != nil {
		return nil, e.wrap("list images", err)
	}
	out := make([]engine.Image, 0, len(res.Items))
	for _, img := range res.Items {
		out = append(out, engine.Image{ID: img.ID, Tags: tags(img.RepoTags), Labels: img.Labels})
	}
	return out, nil
}

// tags drops the "<none>:<none>" placeholder engines report for untagged
// images.
func tags(in []string) []string {
	var out []string
	for _, t := range in {
		if !strings.HasPrefix(t, "<none>") {
			out = append(out, t)
		}
	}
	return out
}

// InspectImage resolves ref to a local image; ErrNotFound if there is none.
func (e *Engine) InspectImage(ctx context.Context, ref string) (engine.Image, error) {
	res, err := e.cli.ImageInspect(ctx, ref)
	if err != nil {
		return engine.Image{}, e.wrap("inspect image "+ref, err)
	}
	img := engine.Image{ID: res.ID, Tags: tags(res.RepoTags)}
	if res.Config != nil {
		img.Labels = res.Config.Labels
	}
	return img, nil
}

// RemoveImage untags ref and removes the image if nothing else refers to
// it; ErrConflict while a container uses it.
func (e *Engine) RemoveImage(ctx context.Context, ref string) error {
	_, err := e.cli.ImageRemove(ctx, ref, client.ImageRemoveOptions{PruneChildren: true})
	return e.wrap("remove image "+ref, err)
}
