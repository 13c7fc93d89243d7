package inspect

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/distribution/reference"
	"golang.org/x/sync/errgroup"

	"github.com/berth-dev/berth/engine"
)

// ImageInspector resolves the image a container was created from.
type ImageInspector interface {
	InspectImage(ctx context.Context, ref string) (engine.Image, error)
}

// ContainerImage is one line of `images`: a container and its image.
type ContainerImage struct {
	Container  string
	Repository string // "" when the container names its image by ID
	Tag        string
	ID         string
	Platform   string // "" when unknown
	Size       int64
	Created    *time.Time // nil when unknown
	// LastTagTime is when the image was last tagged (pulled, built or
	// tagged); nil when the engine does not say.
	LastTagTime *time.Time
}

// Images describes the image of each container, sorted by container name.
// An image that is gone (removed, or its tag moved by a rebuild) is
// described from what the container knows, its ID and reference, as
// compose does, rather than failing the listing.
func Images(ctx context.Context, eng ImageInspector, containers []engine.Container) ([]ContainerImage, error) {
	out := make([]ContainerImage, len(containers))
	var mu sync.Mutex
	g, ctx := errgroup.WithContext(ctx)
	for i, c := range containers {
		g.Go(func() error {
			row := ContainerImage{Container: c.Name, ID: c.ImageID}
			row.Repository, row.Tag = splitRef(c.Image)
			img, err := eng.InspectImage(ctx, c.Image)
			switch {
			case errors.Is(err, engine.ErrNotFound):
			case err != nil:
				return err
			default:
				row.ID, row.Platform, row.Size = img.ID, img.Platform, img.Size
				if !img.Created.IsZero() {
					created := img.Created
					row.Created = &created
				}
				if !img.LastTagTime.IsZero() {
					tagged := img.LastTagTime
					row.LastTagTime = &tagged
				}
			}
			mu.Lock()
			out[i] = row
			mu.Unlock()
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b ContainerImage) int { return strings.Compare(a.Container, b.Container) })
	return out, nil
}

// splitRef splits a reference into the repository and tag compose shows:
// familiar names ("redis", not "docker.io/library/redis"), and nothing
// for an image ID or a reference that does not parse.
func splitRef(ref string) (repo, tag string) {
	if strings.HasPrefix(ref, "sha256:") {
		return "", ""
	}
	named, err := reference.ParseDockerRef(ref)
	if err != nil {
		return "", ""
	}
	repo = reference.FamiliarName(named)
	if t, ok := named.(reference.Tagged); ok {
		tag = t.Tag()
	}
	return repo, tag
}
