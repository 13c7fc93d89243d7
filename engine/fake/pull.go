package fake

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/berth-dev/berth/engine"
)

// registryImage is what the fake registry serves for one reference.
type registryImage struct {
	img    engine.Image
	layers []string
	err    error // a pull of the reference fails with it, e.g. "unauthorized"
}

// AddRegistryImage makes img available to PullImage under ref, as if a
// registry held it. An image without an ID gets one derived from ref;
// layers name the fake layers whose progress a pull reports (one, by
// default).
func (f *Engine) AddRegistryImage(ref string, img engine.Image, layers ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	img = cloneImage(img)
	if img.ID == "" {
		img.ID = "sha256:" + f.newID("registry-image", ref)
	}
	if len(layers) == 0 {
		layers = []string{layerOf(img.ID)}
	}
	f.registryLocked()[normalizeRef(ref)] = registryImage{img: img, layers: slices.Clone(layers)}
}

// FailPull makes every pull and push of ref fail with err, as a registry
// that refuses the caller would.
func (f *Engine) FailPull(ref string, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := f.registryLocked()
	e := r[normalizeRef(ref)]
	e.err = err
	r[normalizeRef(ref)] = e
}

// RegistryImage returns what the fake registry holds under ref.
func (f *Engine) RegistryImage(ref string) (engine.Image, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	e, ok := f.registry[normalizeRef(ref)]
	if !ok || e.img.ID == "" {
		return engine.Image{}, false
	}
	return cloneImage(e.img), true
}

func (f *Engine) registryLocked() map[string]registryImage {
	if f.registry == nil {
		f.registry = map[string]registryImage{}
	}
	return f.registry
}

// PullImage copies the registry's image for ref into the local store and
// tags it ref, taking the tag from any image that had it; the image's
// LastTagTime is the fake clock's now. A reference the registry lacks
// fails with a *engine.PullError matching engine.ErrNotFound. The platform
// is ignored: the fake registry holds one image per reference.
func (f *Engine) PullImage(ctx context.Context, ref string, opts engine.PullOptions) error {
	f.record("PullImage", ref)
	if err := ctx.Err(); err != nil {
		return &engine.PullError{Op: "pull", Ref: ref, Err: err}
	}
	f.mu.Lock()
	tag := normalizeRef(ref)
	e, ok := f.registry[tag]
	switch {
	case ok && e.err != nil:
		f.mu.Unlock()
		return &engine.PullError{Op: "pull", Ref: ref, Err: e.err}
	case !ok || e.img.ID == "":
		f.mu.Unlock()
		return &engine.PullError{Op: "pull", Ref: ref,
			Err: engine.NotInRegistry(fmt.Sprintf("manifest for %s not found: manifest unknown", ref))}
	}
	for _, old := range f.images {
		old.Tags = slices.DeleteFunc(old.Tags, func(t string) bool { return t == tag })
	}
	img := f.images[e.img.ID]
	if img == nil {
		c := cloneImage(e.img)
		c.Tags = nil
		img = &c
		f.images[img.ID] = img
	}
	// A pull records the digest reference Docker would list; a pull by
	// digest adds no tag.
	digest := tag
	if !strings.Contains(tag, "@") {
		img.Tags = append(img.Tags, tag)
		digest = repository(tag) + "@" + img.ID
	}
	if !slices.Contains(img.Digests, digest) {
		img.Digests = append(img.Digests, digest)
	}
	img.LastTagTime = f.now()
	layers := e.layers
	f.mu.Unlock()
	report(opts.Progress, layers, "Pulling fs layer", "Pull complete")
	return nil
}

// PushImage copies the local image ref to the fake registry. A local image
// that is missing fails with engine.ErrNotFound, as with Docker.
func (f *Engine) PushImage(ctx context.Context, ref string, progress func(engine.PullEvent)) error {
	f.record("PushImage", ref)
	if err := ctx.Err(); err != nil {
		return &engine.PullError{Op: "push", Ref: ref, Err: err}
	}
	f.mu.Lock()
	tag := normalizeRef(ref)
	if e, ok := f.registry[tag]; ok && e.err != nil {
		f.mu.Unlock()
		return &engine.PullError{Op: "push", Ref: ref, Err: e.err}
	}
	img := f.findImageLocked(ref)
	if img == nil {
		f.mu.Unlock()
		return &engine.PullError{Op: "push", Ref: ref,
			Err: engine.NotInRegistry("An image does not exist locally with the tag: " + ref)}
	}
	c := cloneImage(*img)
	layers := []string{layerOf(c.ID)}
	f.registryLocked()[tag] = registryImage{img: c, layers: layers}
	f.mu.Unlock()
	report(progress, layers, "Preparing", "Pushed")
	return nil
}

// report sends a working and a done event per layer.
func report(progress func(engine.PullEvent), layers []string, working, done string) {
	if progress == nil {
		return
	}
	for _, l := range layers {
		progress(engine.PullEvent{Layer: l, Status: working})
		progress(engine.PullEvent{Layer: l, Status: done, Done: true})
	}
}

// layerOf names the one fake layer of an image: its short ID.
func layerOf(id string) string {
	return short(strings.TrimPrefix(id, "sha256:"))
}

// repository drops the tag from a normalized reference.
func repository(ref string) string {
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		return ref[:i]
	}
	return ref
}
