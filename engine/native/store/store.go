// Package store keeps the native engine's images: blobs by digest, an index
// of references, and every layer unpacked once in the form overlayfs takes
// as a lower directory.
//
// On-disk layout under the root (several berth processes share it):
//
//	index.json            records and references; replaced whole (temp file + rename) under index.lock
//	blobs/sha256/<hex>    manifests, configs and layer blobs as their digest names them
//	layers/<diffid hex>/  a layer unpacked; valid only once layers/<hex>.done holds its size
//	layers/<hex>.lock     serialises the unpacking of one layer across processes
//	tmp/                  downloads and archives being read
//	gc.lock               shared by whatever adds blobs or layers, exclusive while Remove deletes
//
// Readers of index.json take no lock: a rename replaces it atomically.
package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"golang.org/x/sys/unix"
)

// Store is the image store under one root directory.
type Store struct {
	root string
}

// Image is one image as `docker image inspect` shows it.
type Image struct {
	ID          string   // "sha256:<hex of config digest>", as docker's image ID
	Tags        []string // familiar form: "busybox:latest", "127.0.0.1:5000/x:1"
	Digests     []string // familiar "name@sha256:…" of manifests pulled or pushed
	Size        int64    // bytes of the layers uncompressed
	Created     time.Time
	LastTagTime time.Time
	Platform    string // os/arch[/variant]
	Config      v1.Config
}

// record is what the index keeps of one image.
type record struct {
	ID           v1.Hash         `json:"id"` // the config blob's digest
	Manifest     v1.Hash         `json:"manifest"`
	ManifestType types.MediaType `json:"manifestType"`
	Layers       []layerRecord   `json:"layers"` // bottom first
	LastTagTime  time.Time       `json:"lastTagTime,omitzero"`
}

type layerRecord struct {
	Digest    v1.Hash         `json:"digest"` // of the blob, compressed or not
	DiffID    v1.Hash         `json:"diffID"` // of the tar stream
	MediaType types.MediaType `json:"mediaType"`
	Size      int64           `json:"size"`    // of the blob
	TarSize   int64           `json:"tarSize"` // of the tar stream
}

// index is the whole of index.json.
type index struct {
	Images map[string]*record `json:"images"` // by ID ("sha256:…")
	// Refs maps canonical references, "docker.io/library/busybox:latest"
	// or "docker.io/library/busybox@sha256:…", to image IDs.
	Refs map[string]string `json:"refs"`
}

// putImage records rec under its ID and returns the ID. An image stored
// again keeps the time it was last tagged.
func (ix *index) putImage(rec *record) string {
	id := rec.ID.String()
	if old := ix.Images[id]; old != nil {
		rec.LastTagTime = old.LastTagTime
	}
	ix.Images[id] = rec
	return id
}

const (
	indexFile = "index.json"
	indexLock = "index.lock"
	gcLock    = "gc.lock"
)

// Open returns the store under root, creating its directories.
func Open(root string) (*Store, error) {
	for _, d := range []string{"blobs/sha256", "layers", "tmp"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o700); err != nil {
			return nil, fmt.Errorf("create the image store under %s (is BERTH_ROOT writable?): %w", root, err)
		}
	}
	return &Store{root: root}, nil
}

// List returns every image, newest first.
func (s *Store) List(ctx context.Context) ([]Image, error) {
	ix, err := s.readIndex()
	if err != nil {
		return nil, err
	}
	out := make([]Image, 0, len(ix.Images))
	for _, r := range ix.Images {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		img, err := s.image(ix, r)
		if err != nil {
			return nil, err
		}
		out = append(out, img)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Created.Equal(out[j].Created) {
			return out[i].Created.After(out[j].Created)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

// Inspect finds the image ref names: a tag ("busybox" is
// docker.io/library/busybox:latest), a full or short ID, or name@digest.
// An absent image is an *engine.ImageNotFoundError.
func (s *Store) Inspect(ctx context.Context, ref string) (Image, error) {
	ix, err := s.readIndex()
	if err != nil {
		return Image{}, err
	}
	r, _, err := ix.resolve(ref)
	if err != nil {
		return Image{}, err
	}
	return s.image(ix, r)
}

// Tag makes dst name the image src names, as `docker tag` does; an image
// dst named before keeps its other references.
func (s *Store) Tag(ctx context.Context, src, dst string) error {
	key, err := tagKey(dst)
	if err != nil {
		return err
	}
	return s.update(func(ix *index) error {
		r, _, err := ix.resolve(src)
		if err != nil {
			return err
		}
		ix.Refs[key] = r.ID.String()
		r.LastTagTime = time.Now().UTC()
		return nil
	})
}

// image builds the Image of r from its config blob.
func (s *Store) image(ix *index, r *record) (Image, error) {
	raw, err := os.ReadFile(s.blobPath(r.ID))
	if err != nil {
		return Image{}, fmt.Errorf("read the config of image %s (the store under %s is damaged: remove the image and load or pull it again): %w", r.ID, s.root, err)
	}
	cfg, err := v1.ParseConfigFile(bytes.NewReader(raw))
	if err != nil {
		return Image{}, fmt.Errorf("parse the config of image %s: %w", r.ID, err)
	}
	img := Image{
		ID:          r.ID.String(),
		Created:     cfg.Created.Time,
		LastTagTime: r.LastTagTime,
		Platform:    platformString(cfg.Platform()),
		Config:      cfg.Config,
	}
	for _, l := range r.Layers {
		img.Size += l.TarSize
	}
	tags, digests := ix.refsOf(img.ID)
	img.Tags, img.Digests = familiar(tags), familiar(digests)
	return img, nil
}

func platformString(p *v1.Platform) string {
	if p == nil || p.OS == "" {
		return ""
	}
	s := p.OS + "/" + p.Architecture
	if p.Variant != "" {
		s += "/" + p.Variant
	}
	return s
}

// readIndex reads index.json; a store never written to is empty.
func (s *Store) readIndex() (*index, error) {
	ix := &index{Images: map[string]*record{}, Refs: map[string]string{}}
	b, err := os.ReadFile(filepath.Join(s.root, indexFile))
	if errors.Is(err, os.ErrNotExist) {
		return ix, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the image index: %w", err)
	}
	if err := json.Unmarshal(b, ix); err != nil {
		return nil, fmt.Errorf("parse the image index %s (remove it and load or pull the images again): %w", filepath.Join(s.root, indexFile), err)
	}
	if ix.Images == nil {
		ix.Images = map[string]*record{}
	}
	if ix.Refs == nil {
		ix.Refs = map[string]string{}
	}
	return ix, nil
}

// update changes the index under its lock, so that processes writing it
// at the same time lose none of each other's changes.
func (s *Store) update(fn func(*index) error) error {
	unlock, err := s.lock(filepath.Join(s.root, indexLock), unix.LOCK_EX)
	if err != nil {
		return err
	}
	defer unlock()
	ix, err := s.readIndex()
	if err != nil {
		return err
	}
	if err := fn(ix); err != nil {
		return err
	}
	b, err := json.Marshal(ix)
	if err != nil {
		return fmt.Errorf("encode the image index: %w", err)
	}
	return writeFileAtomic(filepath.Join(s.root, indexFile), b)
}

// lock takes a flock on path (created if needed); unlock releases it.
// Each call opens its own file, so the lock also excludes other
// goroutines of this process.
func (s *Store) lock(path string, how int) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open the lock %s: %w", path, err)
	}
	for {
		err = unix.Flock(int(f.Fd()), how)
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return func() { f.Close() }, nil
}

// writeFileAtomic replaces path with b: written and synced beside it, then
// renamed, so that a reader or a crash sees the old file or the new one.
func writeFileAtomic(path string, b []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(b); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
