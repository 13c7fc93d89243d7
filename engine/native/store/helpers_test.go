package store

import (
	"archive/tar"
	"bytes"
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// entry is one tar entry of a crafted layer.
type entry struct {
	hdr  tar.Header
	body string
}

var epoch = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)

func dir(name string, mode int64) entry {
	return entry{hdr: tar.Header{Typeflag: tar.TypeDir, Name: name, Mode: mode, ModTime: epoch}}
}

func file(name, body string, mode int64, uid, gid int) entry {
	return entry{hdr: tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: mode, Uid: uid, Gid: gid, Size: int64(len(body)), ModTime: epoch}, body: body}
}

func link(typ byte, name, target string) entry {
	return entry{hdr: tar.Header{Typeflag: typ, Name: name, Linkname: target, Mode: 0o777, ModTime: epoch}}
}

func layerTar(t *testing.T, entries ...entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		hdr := e.hdr
		if e.hdr.PAXRecords != nil {
			hdr.Format = tar.FormatPAX
		}
		if err := tw.WriteHeader(&hdr); err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(tw, e.body); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// baseLayer and topLayer make the test image: the top layer whites out
// etc/b and makes dir d opaque.
func baseLayer(t *testing.T) []byte {
	setuid := file("bin/su", "su", 0o4755, 0, 0)
	attr := file("etc/attr", "x", 0o644, 0, 0)
	attr.hdr.PAXRecords = map[string]string{"SCHILY.xattr.user.berth": "yes", "SCHILY.xattr.trusted.overlay.redirect": "/x"}
	return layerTar(t,
		dir("./", 0o755),
		dir("bin/", 0o755), setuid,
		dir("etc/", 0o750),
		file("etc/a", "alpha", 0o640, 1000, 1001),
		file("etc/b", "beta", 0o644, 0, 0),
		attr,
		link(tar.TypeSymlink, "etc/lnk", "a"),
		link(tar.TypeLink, "etc/hard", "etc/a"),
		dir("d/", 0o755),
		file("d/old", "old", 0o644, 0, 0),
		entry{hdr: tar.Header{Typeflag: tar.TypeFifo, Name: "d/fifo", Mode: 0o600, ModTime: epoch}},
	)
}

func topLayer(t *testing.T) []byte {
	return layerTar(t,
		dir("etc/", 0o750),
		file("etc/.wh.b", "", 0, 0, 0),
		dir("d/", 0o755),
		file("d/.wh..wh..opq", "", 0, 0, 0),
		file("d/new", "new", 0o600, 0, 0),
	)
}

// image builds an image of the given layer tars, its config marked by
// cmd so that images of the same layers differ.
func image(t *testing.T, cmd string, layers ...[]byte) v1.Image {
	t.Helper()
	img := empty.Image
	for _, b := range layers {
		l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil })
		if err != nil {
			t.Fatal(err)
		}
		if img, err = mutate.AppendLayers(img, l); err != nil {
			t.Fatal(err)
		}
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", "amd64"
	cf.Created = v1.Time{Time: epoch}
	cf.Config.Cmd = []string{cmd}
	cf.Config.Env = []string{"PATH=/bin"}
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func testImage(t *testing.T, cmd string) v1.Image {
	return image(t, cmd, baseLayer(t), topLayer(t))
}

// dockerArchive is what `docker save` writes for images by tag.
func dockerArchive(t *testing.T, imgs map[string]v1.Image) []byte {
	t.Helper()
	refs := map[name.Reference]v1.Image{}
	for tag, img := range imgs {
		r, err := name.NewTag(tag)
		if err != nil {
			t.Fatal(err)
		}
		refs[r] = img
	}
	var buf bytes.Buffer
	if err := tarball.MultiRefWrite(refs, &buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// ociArchive is a tar of an OCI layout holding img, named refName when
// that is set.
func ociArchive(t *testing.T, img v1.Image, refName string) []byte {
	t.Helper()
	d := t.TempDir()
	p, err := layout.Write(d, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	var opts []layout.Option
	if refName != "" {
		opts = append(opts, layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": refName}))
	}
	if err := p.AppendImage(img, opts...); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	err = filepath.WalkDir(d, func(p string, de fs.DirEntry, err error) error {
		if err != nil || de.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(d, p)
		if err := tw.WriteHeader(&tar.Header{Name: rel, Mode: 0o644, Size: int64(len(b)), Typeflag: tar.TypeReg}); err != nil {
			return err
		}
		_, err = tw.Write(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func newStore(t *testing.T) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "images"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func load(t *testing.T, s *Store, archive []byte) []string {
	t.Helper()
	refs, err := s.Load(context.Background(), bytes.NewReader(archive))
	if err != nil {
		t.Fatal(err)
	}
	return refs
}

func imageID(t *testing.T, img v1.Image) string {
	t.Helper()
	h, err := img.ConfigName()
	if err != nil {
		t.Fatal(err)
	}
	return h.String()
}

func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		if os.Getenv("CI") != "" {
			t.Fatal("this test needs root, and CI is set")
		}
		t.Skip("needs root: unpacking keeps ownership and makes device nodes")
	}
}
