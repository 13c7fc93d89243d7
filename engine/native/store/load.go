package store

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"golang.org/x/sys/unix"
)

// loaded is one image read from an archive, not yet in the index.
type loaded struct {
	rec  *record
	tags []string // as the archive names them
}

// Load reads a `docker save` archive or an OCI archive (a tar of an OCI
// image layout), possibly compressed, and stores its images with their
// layers unpacked. It returns the references loaded, as `docker load`
// prints them: the tags, or the ID of an image without one.
func (s *Store) Load(ctx context.Context, r io.Reader) ([]string, error) {
	unlock, err := s.lock(filepath.Join(s.root, gcLock), unix.LOCK_SH)
	if err != nil {
		return nil, err
	}
	defer unlock()
	dir, err := os.MkdirTemp(filepath.Join(s.root, "tmp"), "load-")
	if err != nil {
		return nil, fmt.Errorf("load images: %w", err)
	}
	defer os.RemoveAll(dir)
	a, err := extractArchive(ctx, r, dir)
	if err != nil {
		return nil, fmt.Errorf("read the image archive: %w", err)
	}
	a.s = s
	var imgs []loaded
	switch {
	case a.has("manifest.json"):
		imgs, err = a.docker(ctx)
	case a.has("index.json"):
		imgs, err = a.oci(ctx)
	default:
		err = errors.New("neither manifest.json nor index.json found: give a `docker save` archive or a tar of an OCI image layout")
	}
	if err != nil {
		return nil, fmt.Errorf("load images: %w", err)
	}
	return s.commit(imgs)
}

// commit adds loaded images and their tags to the index. A tag naming
// another image before moves, leaving that image untagged as docker does.
func (s *Store) commit(imgs []loaded) ([]string, error) {
	var refs []string
	err := s.update(func(ix *index) error {
		now := time.Now().UTC()
		for _, img := range imgs {
			id := ix.putImage(img.rec)
			for _, t := range img.tags {
				key, err := tagKey(t)
				if err != nil {
					return err
				}
				ix.Refs[key] = id
				img.rec.LastTagTime = now
				refs = append(refs, familiar([]string{key})...)
			}
			if len(img.tags) == 0 {
				refs = append(refs, id)
			}
		}
		return nil
	})
	return refs, err
}

// archive is an image archive extracted under dir. Its links are kept as
// a map rather than made on disk, so that following one cannot leave dir.
type archive struct {
	s     *Store
	dir   string
	links map[string]string // entry name → the name it points to
	blobs map[string]blobRef
}

// blobRef is a layer blob in the store.
type blobRef struct {
	digest    v1.Hash
	size      int64
	mediaType types.MediaType
}

func extractArchive(ctx context.Context, r io.Reader, dir string) (*archive, error) {
	dr, err := decompress(r)
	if err != nil {
		return nil, err
	}
	defer dr.Close()
	a := &archive{dir: dir, links: map[string]string{}, blobs: map[string]blobRef{}}
	tr := tar.NewReader(dr)
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return a, nil
		}
		if err != nil {
			return nil, err
		}
		name, err := cleanName(hdr.Name)
		if err != nil || name == "" {
			continue // nothing an image needs lies outside the archive
		}
		switch hdr.Typeflag {
		case tar.TypeReg: // the reader turns the old TypeRegA into TypeReg
			p := filepath.Join(dir, filepath.FromSlash(name))
			if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
				return nil, err
			}
			os.Remove(p) // a later entry of the same name wins, as tar has it
			if err := writeFile(p, tr); err != nil {
				return nil, err
			}
		case tar.TypeSymlink:
			a.links[name] = path.Join(path.Dir(name), hdr.Linkname)
		case tar.TypeLink:
			a.links[name] = hdr.Linkname
		}
	}
}

// path is the file the archive names name, links followed.
func (a *archive) path(name string) (string, error) {
	n, err := cleanName(name)
	for hops := 0; err == nil; hops++ {
		t, ok := a.links[n]
		if !ok {
			return filepath.Join(a.dir, filepath.FromSlash(n)), nil
		}
		if hops > 16 {
			return "", fmt.Errorf("%q: too many links", name)
		}
		n, err = cleanName(t)
	}
	return "", err
}

func (a *archive) has(name string) bool {
	p, err := a.path(name)
	if err != nil {
		return false
	}
	_, err = os.Stat(p)
	return err == nil
}

func (a *archive) read(name string) ([]byte, error) {
	p, err := a.path(name)
	if err != nil {
		return nil, err
	}
	return os.ReadFile(p)
}

// blob moves the file name into the store's blobs, once per file.
func (a *archive) blob(name string, want *v1.Hash) (blobRef, error) {
	p, err := a.path(name)
	if err != nil {
		return blobRef{}, err
	}
	if b, ok := a.blobs[p]; ok {
		return b, nil
	}
	mt, err := sniffLayer(p)
	if err != nil {
		return blobRef{}, fmt.Errorf("layer %s: %w", name, err)
	}
	h, n, err := a.s.ingestFile(p, want)
	if err != nil {
		return blobRef{}, fmt.Errorf("layer %s: %w", name, err)
	}
	b := blobRef{digest: h, size: n, mediaType: mt}
	a.blobs[p] = b
	return b, nil
}

// docker reads a `docker save` archive: manifest.json lists each image's
// config, tags and layer files.
func (a *archive) docker(ctx context.Context) ([]loaded, error) {
	raw, err := a.read("manifest.json")
	if err != nil {
		return nil, err
	}
	var m tarball.Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("parse manifest.json: %w", err)
	}
	var out []loaded
	for _, d := range m {
		cfg, err := a.read(d.Config)
		if err != nil {
			return nil, fmt.Errorf("config of %v: %w", d.RepoTags, err)
		}
		var layers []blobRef
		for _, l := range d.Layers {
			b, err := a.blob(l, nil)
			if err != nil {
				return nil, err
			}
			layers = append(layers, b)
		}
		rec, err := a.s.addImage(ctx, cfg, nil, layers)
		if err != nil {
			return nil, fmt.Errorf("image %v: %w", d.RepoTags, err)
		}
		out = append(out, loaded{rec: rec, tags: d.RepoTags})
	}
	return out, nil
}

// oci reads a tar of an OCI image layout. An entry of its index that is
// itself an index gives the image of this machine's platform.
func (a *archive) oci(ctx context.Context) ([]loaded, error) {
	p, err := layout.FromPath(a.dir)
	if err != nil {
		return nil, err
	}
	idx, err := p.ImageIndex()
	if err != nil {
		return nil, err
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, fmt.Errorf("parse index.json: %w", err)
	}
	var out []loaded
	for _, d := range im.Manifests {
		img, err := ociImage(idx, d)
		if err != nil {
			return nil, err
		}
		m, rawManifest, cfg, err := imageFiles(img)
		if err != nil {
			return nil, err
		}
		var layers []blobRef
		for _, l := range m.Layers {
			b, err := a.blob(path.Join("blobs", l.Digest.Algorithm, l.Digest.Hex), &l.Digest)
			if err != nil {
				return nil, err
			}
			b.mediaType = l.MediaType
			layers = append(layers, b)
		}
		rec, err := a.s.addImage(ctx, cfg, rawManifest, layers)
		if err != nil {
			return nil, fmt.Errorf("image %s: %w", d.Digest, err)
		}
		out = append(out, loaded{rec: rec, tags: ociNames(d.Annotations)})
	}
	return out, nil
}

func ociImage(idx v1.ImageIndex, d v1.Descriptor) (v1.Image, error) {
	if !d.MediaType.IsIndex() {
		return idx.Image(d.Digest)
	}
	child, err := idx.ImageIndex(d.Digest)
	if err != nil {
		return nil, err
	}
	im, err := child.IndexManifest()
	if err != nil {
		return nil, err
	}
	want := v1.Platform{OS: "linux", Architecture: runtime.GOARCH}
	for _, c := range im.Manifests {
		if c.Platform != nil && c.Platform.OS == want.OS && c.Platform.Architecture == want.Architecture {
			return ociImage(child, c)
		}
	}
	return nil, fmt.Errorf("index %s has no image for %s/%s", d.Digest, want.OS, want.Architecture)
}

// imageFiles reads what the store keeps of img besides its layers: its
// manifest (parsed and raw) and its raw config.
func imageFiles(img v1.Image) (m *v1.Manifest, rawManifest, rawCfg []byte, err error) {
	if m, err = img.Manifest(); err != nil {
		return nil, nil, nil, err
	}
	if rawManifest, err = img.RawManifest(); err != nil {
		return nil, nil, nil, err
	}
	if rawCfg, err = img.RawConfigFile(); err != nil {
		return nil, nil, nil, err
	}
	return m, rawManifest, rawCfg, nil
}

// ociNames are the tags an OCI index entry's annotations give it:
// containerd's full name, or a ref.name that is a whole reference rather
// than a bare tag such as "latest".
func ociNames(ann map[string]string) []string {
	if n := ann["io.containerd.image.name"]; n != "" {
		return []string{n}
	}
	if n := ann["org.opencontainers.image.ref.name"]; strings.ContainsAny(n, ":/") {
		return []string{n}
	}
	return nil
}

// addImage stores the config and manifest of an image whose layer blobs
// are stored already, unpacks its layers, and returns its record. A nil
// manifest is made up, as a `docker save` archive has none.
func (s *Store) addImage(ctx context.Context, rawCfg, manifest []byte, layers []blobRef) (*record, error) {
	cfg, err := v1.ParseConfigFile(bytes.NewReader(rawCfg))
	if err != nil {
		return nil, fmt.Errorf("parse the image config: %w", err)
	}
	if len(cfg.RootFS.DiffIDs) != len(layers) {
		return nil, fmt.Errorf("the config lists %d layers, the image has %d", len(cfg.RootFS.DiffIDs), len(layers))
	}
	id, err := s.putBytes(rawCfg)
	if err != nil {
		return nil, err
	}
	rec := &record{ID: id}
	if manifest == nil {
		if manifest, rec.ManifestType, err = makeManifest(id, int64(len(rawCfg)), layers); err != nil {
			return nil, err
		}
	} else {
		m, err := v1.ParseManifest(bytes.NewReader(manifest))
		if err != nil {
			return nil, fmt.Errorf("parse the image manifest: %w", err)
		}
		if m.Config.Digest != id {
			return nil, fmt.Errorf("the manifest names config %s, the config has digest %s: the image is corrupt", m.Config.Digest, id)
		}
		rec.ManifestType = m.MediaType
		if rec.ManifestType == "" {
			rec.ManifestType = types.OCIManifestSchema1 // OCI allows leaving it out
		}
	}
	if rec.Manifest, err = s.putBytes(manifest); err != nil {
		return nil, err
	}
	for i, b := range layers {
		l := layerRecord{Digest: b.digest, DiffID: cfg.RootFS.DiffIDs[i], MediaType: b.mediaType, Size: b.size}
		if l.TarSize, err = s.unpacked(ctx, l); err != nil {
			return nil, err
		}
		rec.Layers = append(rec.Layers, l)
	}
	return rec, nil
}

// makeManifest writes the manifest of an image known by its config and
// layers: docker's schema 2, or OCI's when a layer is zstd, which only
// OCI names.
func makeManifest(cfg v1.Hash, cfgSize int64, layers []blobRef) ([]byte, types.MediaType, error) {
	m := v1.Manifest{
		SchemaVersion: 2,
		MediaType:     types.DockerManifestSchema2,
		Config:        v1.Descriptor{MediaType: types.DockerConfigJSON, Size: cfgSize, Digest: cfg},
	}
	for _, l := range layers {
		if l.mediaType == types.OCILayerZStd {
			m.MediaType, m.Config.MediaType = types.OCIManifestSchema1, types.OCIConfigJSON
		}
	}
	for _, l := range layers {
		mt := l.mediaType
		if m.MediaType == types.OCIManifestSchema1 {
			mt = map[types.MediaType]types.MediaType{
				types.DockerUncompressedLayer: types.OCIUncompressedLayer,
				types.DockerLayer:             types.OCILayer,
			}[mt]
			if mt == "" {
				mt = l.mediaType
			}
		}
		m.Layers = append(m.Layers, v1.Descriptor{MediaType: mt, Size: l.size, Digest: l.digest})
	}
	b, err := json.Marshal(m)
	return b, m.MediaType, err
}

// sniffLayer names the media type of a layer file from its first bytes.
func sniffLayer(p string) (types.MediaType, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	magic := make([]byte, 4)
	n, _ := io.ReadFull(f, magic)
	magic = magic[:n]
	switch {
	case bytes.HasPrefix(magic, []byte{0x1f, 0x8b}):
		return types.DockerLayer, nil
	case bytes.HasPrefix(magic, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		return types.OCILayerZStd, nil
	case bytes.HasPrefix(magic, []byte("BZh")):
		return "", errors.New("bzip2 layers are not supported: save the image again")
	}
	return types.DockerUncompressedLayer, nil
}
