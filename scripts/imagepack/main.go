// Command imagepack packs static binaries into a FROM scratch image and
// writes it as a `docker save` archive, with no daemon and no registry: how
// `make demo ENGINE=native` gets the shop's images onto a machine without
// docker, for `berth --engine native image load`.
//
//	imagepack -o shop.tar -entrypoint /shop -tag shop-front -tag shop-app examples/shop/bin/shop:/shop
package main

import (
	"archive/tar"
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

type tags []string

func (t *tags) String() string     { return strings.Join(*t, ",") }
func (t *tags) Set(v string) error { *t = append(*t, v); return nil }

func main() {
	var out, entrypoint string
	var refs tags
	flag.StringVar(&out, "o", "", "archive to write")
	flag.StringVar(&entrypoint, "entrypoint", "", "the image's entrypoint")
	flag.Var(&refs, "tag", "a reference to tag the image with (repeatable)")
	flag.Parse()
	if err := pack(out, entrypoint, refs, flag.Args()); err != nil {
		fmt.Fprintf(os.Stderr, "imagepack: %v\n", err)
		os.Exit(1)
	}
}

// pack writes the files (HOSTPATH:IMAGEPATH) as one layer.
func pack(out, entrypoint string, refs []string, files []string) error {
	if out == "" || len(refs) == 0 || len(files) == 0 {
		return fmt.Errorf("usage: imagepack -o FILE [-entrypoint PATH] -tag REF [-tag REF] HOSTPATH:IMAGEPATH [HOSTPATH:IMAGEPATH]")
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	if err := tw.WriteHeader(&tar.Header{Name: "tmp/", Mode: 0o1777, Typeflag: tar.TypeDir, ModTime: time.Unix(0, 0)}); err != nil {
		return err
	}
	for _, f := range files {
		src, dst, ok := strings.Cut(f, ":")
		if !ok {
			return fmt.Errorf("%s: give HOSTPATH:IMAGEPATH", f)
		}
		b, err := os.ReadFile(src)
		if err != nil {
			return err
		}
		hdr := &tar.Header{Name: strings.TrimPrefix(dst, "/"), Mode: 0o755, Size: int64(len(b)), Typeflag: tar.TypeReg, ModTime: time.Unix(0, 0)}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if _, err := tw.Write(b); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(buf.Bytes())), nil })
	if err != nil {
		return err
	}
	img, err := mutate.AppendLayers(empty.Image, layer)
	if err != nil {
		return err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return err
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", runtime.GOARCH
	if entrypoint != "" {
		cf.Config.Entrypoint = []string{entrypoint}
	}
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		return err
	}
	byRef := map[name.Reference]v1.Image{}
	for _, r := range refs {
		ref, err := name.NewTag(r)
		if err != nil {
			return err
		}
		byRef[ref] = img
	}
	return tarball.MultiRefWriteToFile(out, byRef)
}
