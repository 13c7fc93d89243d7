package store

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"runtime"
	"sync"

	"github.com/distribution/reference"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"golang.org/x/sync/errgroup"
	"golang.org/x/sys/unix"

	"github.com/berth-dev/berth/engine"
)

// transfers is how many layers move at once, as dockerd's default.
const transfers = 3

// Pull fetches ref from its registry with the credentials kc has for it,
// stores it with its layers unpacked, and tags it (or records its digest,
// for a reference by digest). Progress goes to opts.Progress per layer.
// A reference the registry does not have fails with a *engine.PullError
// matching engine.ErrNotFound.
func (s *Store) Pull(ctx context.Context, ref string, opts engine.PullOptions, kc authn.Keychain) error {
	fail := func(err error) error { return &engine.PullError{Op: "pull", Ref: ref, Err: err} }
	key, err := refKey(ref)
	if err != nil {
		return fail(err)
	}
	r, err := name.ParseReference(key)
	if err != nil {
		return fail(err)
	}
	platform := opts.Platform
	if platform == "" {
		platform = "linux/" + runtime.GOARCH
	}
	p, err := v1.ParsePlatform(platform)
	if err != nil {
		return fail(fmt.Errorf("platform %q: %w", platform, err))
	}
	progress := serialise(opts.Progress)
	ropts := remoteOptions(ctx, kc, remote.WithPlatform(*p))

	unlock, err := s.lock(filepath.Join(s.root, gcLock), unix.LOCK_SH)
	if err != nil {
		return fail(err)
	}
	defer unlock()
	desc, err := remote.Get(r, ropts...)
	if err != nil {
		return fail(registryError(err))
	}
	img, err := desc.Image()
	if err != nil {
		return fail(registryError(err))
	}
	progress(engine.PullEvent{Layer: r.Identifier(), Status: "Pulling from " + repoPath(key)})
	rec, err := s.fetch(ctx, img, progress)
	if err != nil {
		return fail(registryError(err))
	}
	digestKey := repoOf(key) + "@" + desc.Digest.String()
	status := "Downloaded newer image for "
	err = s.update(func(ix *index) error {
		id := ix.putImage(rec)
		if ix.Refs[key] == id {
			status = "Image is up to date for "
		}
		ix.Refs[digestKey] = id
		if !isDigestKey(key) {
			ix.Refs[key] = id
		}
		return nil
	})
	if err != nil {
		return fail(err)
	}
	progress(engine.PullEvent{Status: "Digest: " + desc.Digest.String()})
	progress(engine.PullEvent{Status: "Status: " + status + familiar([]string{key})[0]})
	return nil
}

// fetch downloads the layers img lacks, a few at a time, unpacks them, and
// stores its config and manifest.
func (s *Store) fetch(ctx context.Context, img v1.Image, progress func(engine.PullEvent)) (*record, error) {
	m, rawManifest, rawCfg, err := imageFiles(img)
	if err != nil {
		return nil, err
	}
	var g errgroup.Group
	g.SetLimit(transfers)
	var fetched []string
	for _, l := range m.Layers {
		short := l.Digest.Hex[:12]
		if s.hasBlob(l.Digest) {
			progress(engine.PullEvent{Layer: short, Status: "Already exists", Done: true})
			continue
		}
		fetched = append(fetched, short)
		progress(engine.PullEvent{Layer: short, Status: "Pulling fs layer"})
		g.Go(func() error {
			layer, err := img.LayerByDigest(l.Digest)
			if err != nil {
				return err
			}
			rc, err := layer.Compressed()
			if err != nil {
				return err
			}
			defer rc.Close()
			_, _, err = s.writeBlob(rc, &l.Digest, func(n int64) {
				progress(engine.PullEvent{Layer: short, Status: "Downloading", Current: n, Total: l.Size})
			})
			if err != nil {
				return fmt.Errorf("layer %s: %w", l.Digest, err)
			}
			progress(engine.PullEvent{Layer: short, Status: "Download complete", Current: l.Size, Total: l.Size})
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	layers := make([]blobRef, len(m.Layers))
	for i, l := range m.Layers {
		layers[i] = blobRef{digest: l.Digest, size: l.Size, mediaType: l.MediaType}
	}
	rec, err := s.addImage(ctx, rawCfg, rawManifest, layers)
	if err != nil {
		return nil, err
	}
	for _, short := range fetched {
		progress(engine.PullEvent{Layer: short, Status: "Pull complete", Done: true})
	}
	return rec, nil
}

// Push sends the local image ref names to its registry with the
// credentials kc has for it, a few layers at a time, and records the
// pushed manifest's digest. Errors are *engine.PullError; for an image not
// in the store, one wrapping an *engine.ImageNotFoundError.
func (s *Store) Push(ctx context.Context, ref string, progress func(engine.PullEvent), kc authn.Keychain) error {
	fail := func(err error) error { return &engine.PullError{Op: "push", Ref: ref, Err: err} }
	key, err := tagKey(ref)
	if err != nil {
		return fail(err)
	}
	r, err := name.ParseReference(key)
	if err != nil {
		return fail(err)
	}
	unlock, err := s.lock(filepath.Join(s.root, gcLock), unix.LOCK_SH)
	if err != nil {
		return fail(err)
	}
	defer unlock()
	ix, err := s.readIndex()
	if err != nil {
		return fail(err)
	}
	rec := ix.Images[ix.Refs[key]]
	if rec == nil {
		return fail(&engine.ImageNotFoundError{Ref: ref})
	}
	img, cleanup, err := s.pushable(rec)
	if err != nil {
		return fail(err)
	}
	defer cleanup()
	progress = serialise(progress)
	progress(engine.PullEvent{Status: "The push refers to repository [" + r.Context().Name() + "]"})
	layers, err := img.Layers()
	if err != nil {
		return fail(err)
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(transfers)
	for _, l := range layers {
		g.Go(func() error { return pushLayer(gctx, r.Context(), l, kc, progress) })
	}
	if err := g.Wait(); err != nil {
		return fail(registryError(err))
	}
	// The layers are there: this sends the config and the manifest.
	if err := remote.Write(r, img, remoteOptions(ctx, kc)...); err != nil {
		return fail(registryError(err))
	}
	d, err := img.Digest()
	if err != nil {
		return fail(err)
	}
	size, err := img.Size()
	if err != nil {
		return fail(err)
	}
	err = s.update(func(ix *index) error {
		if ix.Images[rec.ID.String()] != nil {
			ix.Refs[repoOf(key)+"@"+d.String()] = rec.ID.String()
		}
		return nil
	})
	if err != nil {
		return fail(err)
	}
	progress(engine.PullEvent{Status: fmt.Sprintf("%s: digest: %s size: %d", r.Identifier(), d, size)})
	return nil
}

func pushLayer(ctx context.Context, repo name.Repository, l v1.Layer, kc authn.Keychain, progress func(engine.PullEvent)) error {
	d, err := l.Digest()
	if err != nil {
		return err
	}
	short := d.Hex[:12]
	progress(engine.PullEvent{Layer: short, Status: "Preparing"})
	updates := make(chan v1.Update, 8)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for u := range updates {
			if u.Error == nil && u.Total > 0 {
				progress(engine.PullEvent{Layer: short, Status: "Pushing", Current: u.Complete, Total: u.Total})
			}
		}
	}()
	err = remote.WriteLayer(repo, l, remoteOptions(ctx, kc, remote.WithProgress(updates))...)
	<-done // WriteLayer closes updates
	if err != nil {
		return fmt.Errorf("layer %s: %w", d, err)
	}
	progress(engine.PullEvent{Layer: short, Status: "Pushed", Done: true})
	return nil
}

func remoteOptions(ctx context.Context, kc authn.Keychain, more ...remote.Option) []remote.Option {
	auth := remote.WithAuth(authn.Anonymous)
	if kc != nil {
		auth = remote.WithAuthFromKeychain(kc)
	}
	return append([]remote.Option{remote.WithContext(ctx), auth}, more...)
}

// registryError marks the errors saying the registry lacks the reference,
// so that they match engine.ErrNotFound.
func registryError(err error) error {
	var terr *transport.Error
	if !errors.As(err, &terr) {
		return err
	}
	if terr.StatusCode == http.StatusNotFound {
		return engine.NotInRegistry(err.Error())
	}
	for _, d := range terr.Errors {
		switch d.Code {
		case transport.ManifestUnknownErrorCode, transport.NameUnknownErrorCode:
			return engine.NotInRegistry(err.Error())
		}
	}
	return err
}

// serialise makes progress safe to call from several goroutines; a nil
// progress discards the events.
func serialise(progress func(engine.PullEvent)) func(engine.PullEvent) {
	if progress == nil {
		return func(engine.PullEvent) {}
	}
	var mu sync.Mutex
	return func(ev engine.PullEvent) {
		mu.Lock()
		defer mu.Unlock()
		progress(ev)
	}
}

// repoPath is the path of a key's repository, as docker says "Pulling
// from library/busybox".
func repoPath(key string) string {
	n, err := reference.ParseNormalizedNamed(key)
	if err != nil {
		return key
	}
	return reference.Path(n)
}
