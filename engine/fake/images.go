package fake

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/berth-dev/berth/engine"
)

// Images lists all local images, sorted by ID.
func (f *Engine) Images(ctx context.Context) ([]engine.Image, error) {
	f.record("Images")
	if err := hook0(ctx, "list images", f.Hooks.Images); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]engine.Image, 0, len(f.images))
	for _, img := range f.images {
		out = append(out, cloneImage(*img))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// InspectImage resolves a tag, an ID or a unique ID prefix; an
// *engine.ImageNotFoundError, as from Docker, when none matches.
func (f *Engine) InspectImage(ctx context.Context, ref string) (engine.Image, error) {
	f.record("InspectImage", ref)
	if err := hook1(ctx, "inspect image "+ref, f.Hooks.InspectImage, ref); err != nil {
		return engine.Image{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	img := f.findImageLocked(ref)
	if img == nil {
		return engine.Image{}, &engine.ImageNotFoundError{Ref: ref}
	}
	return cloneImage(*img), nil
}

// RemoveImage untags ref when it names one of several tags; otherwise it
// deletes the image, which fails with ErrConflict while a container uses
// it or when an ID names an image with several tags (Docker's "must force").
func (f *Engine) RemoveImage(ctx context.Context, ref string) error {
	f.record("RemoveImage", ref)
	if err := hook1(ctx, "remove image "+ref, f.Hooks.RemoveImage, ref); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	img := f.findImageLocked(ref)
	if img == nil {
		return fmt.Errorf("remove image %s: no such image: %w", ref, engine.ErrNotFound)
	}
	tag := normalizeRef(ref)
	byTag := slices.Contains(img.Tags, tag)
	if byTag && len(img.Tags) > 1 {
		img.Tags = slices.DeleteFunc(img.Tags, func(t string) bool { return t == tag })
		return nil
	}
	if !byTag && len(img.Tags) > 1 {
		return fmt.Errorf("remove image %s: image is referenced by several tags (%s): remove them one by one: %w",
			ref, strings.Join(img.Tags, ", "), engine.ErrConflict)
	}
	for _, c := range f.containers {
		if c.c.ImageID == img.ID {
			return fmt.Errorf("remove image %s: in use by container %s: remove the container first: %w", ref, c.c.Name, engine.ErrConflict)
		}
	}
	delete(f.images, img.ID)
	return nil
}

// BuildImage records an image for spec.Tag with spec.Labels, taking the tag
// away from any image that had it (which then dangles, as with Docker). It
// writes one line of progress to out and reads no files.
//
// Like a builder whose cache hits, it gives the same spec the same image
// ID, until EditContext marks the context as changed; NoCache gives a new
// ID each time.
func (f *Engine) BuildImage(ctx context.Context, spec engine.BuildSpec, out io.Writer) error {
	f.record("BuildImage", spec.Tag)
	if err := hook1(ctx, "build "+spec.Tag, f.Hooks.BuildImage, spec); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	id := f.buildID(spec)
	if spec.NoCache {
		id = f.newID("image", spec.Tag)
	}
	img := f.images["sha256:"+id]
	if img == nil {
		// The same content again finds the image it built before.
		img = &engine.Image{ID: "sha256:" + id, Labels: maps.Clone(spec.Labels), Created: f.now(), Platform: "linux/amd64"}
		f.images[img.ID] = img
	}
	if spec.Tag != "" {
		tag := normalizeRef(spec.Tag)
		for _, old := range f.images {
			old.Tags = slices.DeleteFunc(old.Tags, func(t string) bool { return t == tag })
		}
		img.Tags = append(img.Tags, tag)
	}
	if out != nil {
		if _, err := fmt.Fprintf(out, "fake: built %s as %s\n", spec.Tag, img.ID); err != nil {
			return fmt.Errorf("build %s: write progress: %w", spec.Tag, err)
		}
	}
	return nil
}

// EditContext stands for an edit of the files in a build context: the
// next build from dir yields another image ID.
func (f *Engine) EditContext(dir string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.uses["context/"+dir]++
}

// buildID derives an image ID from what a build reads: the spec and the
// generation of its context. Callers hold f.mu.
func (f *Engine) buildID(spec engine.BuildSpec) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s\x00%d\x00", spec.Tag, spec.ContextDir, spec.Dockerfile, spec.Target, f.uses["context/"+spec.ContextDir])
	for _, k := range slices.Sorted(maps.Keys(spec.Args)) {
		v := "<unset>"
		if p := spec.Args[k]; p != nil {
			v = *p
		}
		fmt.Fprintf(h, "arg %s=%s\x00", k, v)
	}
	for _, k := range slices.Sorted(maps.Keys(spec.Labels)) {
		fmt.Fprintf(h, "label %s=%s\x00", k, spec.Labels[k])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// findImageLocked resolves ref as a tag, then as a full ID (with or without
// "sha256:"), then as a unique ID prefix.
func (f *Engine) findImageLocked(ref string) *engine.Image {
	if ref == "" {
		return nil
	}
	tag := normalizeRef(ref)
	for _, img := range f.images {
		if slices.Contains(img.Tags, tag) || slices.Contains(img.Digests, tag) {
			return img
		}
	}
	hexID := strings.TrimPrefix(ref, "sha256:")
	if img := f.images["sha256:"+hexID]; img != nil {
		return img
	}
	var found *engine.Image
	for id, img := range f.images {
		if strings.HasPrefix(strings.TrimPrefix(id, "sha256:"), hexID) {
			if found != nil {
				return nil
			}
			found = img
		}
	}
	return found
}

// normalizeRef spells a reference the way the fake stores tags: without the
// Docker Hub prefixes and with ":latest" when no tag or digest is given.
func normalizeRef(ref string) string {
	for _, p := range []string{"docker.io/library/", "index.docker.io/library/", "docker.io/", "index.docker.io/"} {
		if r, ok := strings.CutPrefix(ref, p); ok {
			ref = r
			break
		}
	}
	if ref == "" || strings.Contains(ref, "@") {
		return ref
	}
	if last := ref[strings.LastIndex(ref, "/")+1:]; !strings.Contains(last, ":") {
		ref += ":latest"
	}
	return ref
}
