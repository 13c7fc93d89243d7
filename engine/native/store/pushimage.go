package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/klauspost/compress/gzip"
)

// pushable is the image of rec as a registry should get it: as stored,
// except that uncompressed layers (from `docker save` archives) are
// gzipped, into tmp/, and the manifest names the gzipped blobs. cleanup
// removes those files.
func (s *Store) pushable(rec *record) (img v1.Image, cleanup func(), err error) {
	var tmps []string
	cleanup = func() {
		for _, t := range tmps {
			os.Remove(t)
		}
	}
	defer func() {
		if err != nil {
			cleanup()
		}
	}()
	rawCfg, err := os.ReadFile(s.blobPath(rec.ID))
	if err != nil {
		return nil, nil, err
	}
	rawManifest, err := os.ReadFile(s.blobPath(rec.Manifest))
	if err != nil {
		return nil, nil, err
	}
	m, err := v1.ParseManifest(bytes.NewReader(rawManifest))
	if err != nil {
		return nil, nil, err
	}
	core := &storedImage{rawCfg: rawCfg, mediaType: rec.ManifestType, layers: map[v1.Hash]partial.CompressedLayer{}}
	changed := false
	for i, l := range m.Layers {
		b := &blobLayer{path: s.blobPath(l.Digest), desc: l}
		if l.MediaType.IsLayer() && !isCompressed(l.MediaType) {
			gz := types.DockerLayer
			if rec.ManifestType == types.OCIManifestSchema1 {
				gz = types.OCILayer
			}
			if b, err = s.gzipBlob(l.Digest, gz); err != nil {
				return nil, nil, err
			}
			tmps = append(tmps, b.path)
			m.Layers[i], changed = b.desc, true
		}
		core.layers[b.desc.Digest] = b
	}
	core.rawManifest = rawManifest
	if changed {
		if core.rawManifest, err = json.Marshal(m); err != nil {
			return nil, nil, err
		}
	}
	img, err = partial.CompressedToImage(core)
	return img, cleanup, err
}

func isCompressed(mt types.MediaType) bool {
	switch mt {
	case types.DockerUncompressedLayer, types.OCIUncompressedLayer, types.OCIUncompressedRestrictedLayer:
		return false
	}
	return true
}

// gzipBlob compresses the blob h into a file under tmp/.
func (s *Store) gzipBlob(h v1.Hash, mt types.MediaType) (*blobLayer, error) {
	src, err := os.Open(s.blobPath(h))
	if err != nil {
		return nil, err
	}
	defer src.Close()
	f, err := os.CreateTemp(filepath.Join(s.root, "tmp"), "push-")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sum := sha256.New()
	counted := &countingWriter{w: io.MultiWriter(f, sum)}
	zw, err := gzip.NewWriterLevel(counted, gzip.BestSpeed)
	if err != nil {
		return nil, err
	}
	if _, err := io.Copy(zw, src); err != nil {
		return nil, fmt.Errorf("compress layer %s: %w", h, err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("compress layer %s: %w", h, err)
	}
	d := v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(sum.Sum(nil))}
	return &blobLayer{path: f.Name(), desc: v1.Descriptor{MediaType: mt, Size: counted.n, Digest: d}}, nil
}

// storedImage is the partial.CompressedImageCore of an image in the store.
type storedImage struct {
	rawCfg, rawManifest []byte
	mediaType           types.MediaType
	layers              map[v1.Hash]partial.CompressedLayer
}

func (i *storedImage) RawConfigFile() ([]byte, error)      { return i.rawCfg, nil }
func (i *storedImage) MediaType() (types.MediaType, error) { return i.mediaType, nil }
func (i *storedImage) RawManifest() ([]byte, error)        { return i.rawManifest, nil }

func (i *storedImage) LayerByDigest(h v1.Hash) (partial.CompressedLayer, error) {
	if l, ok := i.layers[h]; ok {
		return l, nil
	}
	return nil, fmt.Errorf("image has no layer %s", h)
}

// blobLayer is a compressed layer read from a file.
type blobLayer struct {
	path string
	desc v1.Descriptor
}

func (b *blobLayer) Digest() (v1.Hash, error)            { return b.desc.Digest, nil }
func (b *blobLayer) Compressed() (io.ReadCloser, error)  { return os.Open(b.path) }
func (b *blobLayer) Size() (int64, error)                { return b.desc.Size, nil }
func (b *blobLayer) MediaType() (types.MediaType, error) { return b.desc.MediaType, nil }

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.n += int64(n)
	return n, err
}
