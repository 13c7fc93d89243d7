package docker

import (
	"context"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"

	"github.com/berth-dev/berth/engine"
)

// Images lists all local images in one call.
func (e *Engine) Images(ctx context.Context) ([]engine.Image, error) {
	var res client.ImageListResult
	err := e.call(ctx, "list images", idempotent, func(ctx context.Context) error {
		var err error
		res, err = e.cli.ImageList(ctx, client.ImageListOptions{})
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make([]engine.Image, 0, len(res.Items))
	for _, img := range res.Items {
		out = append(out, engine.Image{ID: img.ID, Tags: tags(img.RepoTags), Digests: tags(img.RepoDigests), Labels: img.Labels,
			Size: img.Size, Created: time.Unix(img.Created, 0)})
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

// InspectImage resolves ref to a local image; an
// [engine.ImageNotFoundError] (engine.ErrNotFound) if there is none.
func (e *Engine) InspectImage(ctx context.Context, ref string) (engine.Image, error) {
	res, err := e.inspectImage(ctx, ref)
	if err != nil {
		return engine.Image{}, err
	}
	img := engine.Image{ID: res.ID, Tags: tags(res.RepoTags), Digests: tags(res.RepoDigests), LastTagTime: res.Metadata.LastTagTime,
		Size: res.Size, Platform: platform(res.Os, res.Architecture, res.Variant)}
	if res.Config != nil {
		img.Labels = res.Config.Labels
	}
	if t, err := time.Parse(time.RFC3339Nano, res.Created); err == nil {
		img.Created = t
	}
	return img, nil
}

// platform spells an image's platform as compose prints it: os/arch,
// then /variant when there is one.
func platform(os, arch, variant string) string {
	if os == "" && arch == "" {
		return ""
	}
	p := os + "/" + arch
	if variant != "" {
		p += "/" + variant
	}
	return p
}

// inspectImage inspects ref, turning "no such image" into an
// engine.ImageNotFoundError that says how to get the image.
func (e *Engine) inspectImage(ctx context.Context, ref string) (client.ImageInspectResult, error) {
	var res client.ImageInspectResult
	if _, err := e.APIVersion(ctx); err != nil {
		return res, err
	}
	err := e.retry(ctx, idempotent, func(ctx context.Context) error {
		var err error
		res, err = e.cli.ImageInspect(ctx, ref)
		return err
	})
	if err == nil {
		return res, nil
	}
	if cerrdefs.IsNotFound(err) {
		return res, &engine.ImageNotFoundError{Ref: ref}
	}
	return res, e.wrap("inspect image "+ref, err)
}

// RemoveImage untags ref and removes the image if nothing else refers to
// it; ErrConflict while a container uses it.
func (e *Engine) RemoveImage(ctx context.Context, ref string) error {
	return e.call(ctx, "remove image "+ref, removal, func(ctx context.Context) error {
		_, err := e.cli.ImageRemove(ctx, ref, client.ImageRemoveOptions{PruneChildren: true})
		return err
	})
}
