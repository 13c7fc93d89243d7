package testimage

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	ggtarball "github.com/google/go-containerregistry/pkg/v1/tarball"
)

// Archive writes a `docker save` archive of Ref into a temporary directory
// of t's and returns its path. It needs no daemon: it is for engines that
// load images from files (the native engine).
func Archive(t testing.TB) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "prog.tar")
	err := withTimeout(func(ctx context.Context) error {
		dir, err := progDir(ctx)
		if err != nil {
			return err
		}
		layer, err := progLayer(ctx, dir, strings.TrimPrefix(Entrypoint, "/"))
		if err != nil {
			return err
		}
		return writeArchive(path, Ref, v1.Config{Entrypoint: []string{Entrypoint}}, layer)
	})
	if err != nil {
		t.Fatalf("testimage: archive %s: %v", Ref, err)
	}
	return path
}

// ShellArchive is Archive for ShellRef, from the host's /bin/busybox.
func ShellArchive(t testing.TB) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "shell.tar")
	err := withTimeout(func(ctx context.Context) error {
		binary, err := os.ReadFile(Busybox)
		if err != nil {
			return fmt.Errorf("%w: install busybox-static", err)
		}
		files, err := shellEntries(ctx, Busybox, binary)
		if err != nil {
			return err
		}
		layer, err := tarball(files)
		if err != nil {
			return err
		}
		return writeArchive(path, ShellRef, v1.Config{Cmd: []string{"sh"}}, layer)
	})
	if err != nil {
		t.Fatalf("testimage: archive %s: %v", ShellRef, err)
	}
	return path
}

// LayeredRef is the image LayeredArchive writes.
const LayeredRef = "berth-layered:latest"

// LayeredArchive is Archive for LayeredRef: Ref's program with n-1 layers
// on top, layer i adding /layers/i and replacing /layers/top with "i", so
// that a test sees whether every layer, and the topmost last, is mounted.
func LayeredArchive(t testing.TB, n int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "layered.tar")
	err := withTimeout(func(ctx context.Context) error {
		dir, err := progDir(ctx)
		if err != nil {
			return err
		}
		prog, err := progLayer(ctx, dir, strings.TrimPrefix(Entrypoint, "/"))
		if err != nil {
			return err
		}
		layers := [][]byte{prog}
		for i := 1; i < n; i++ {
			l, err := tarball([]tarEntry{
				{name: "layers", mode: 0o755, dir: true},
				{name: fmt.Sprintf("layers/%d", i), mode: 0o644},
				{name: "layers/top", mode: 0o644, data: []byte(strconv.Itoa(i))},
			})
			if err != nil {
				return err
			}
			layers = append(layers, l)
		}
		return writeArchive(path, LayeredRef, v1.Config{Entrypoint: []string{Entrypoint}}, layers...)
	})
	if err != nil {
		t.Fatalf("testimage: archive %s: %v", LayeredRef, err)
	}
	return path
}

// writeArchive packs layers (bottom first) with cfg as image tag into a
// `docker save` archive at path.
func writeArchive(path, tag string, cfg v1.Config, layers ...[]byte) error {
	ls := make([]v1.Layer, 0, len(layers))
	for _, b := range layers {
		l, err := ggtarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil })
		if err != nil {
			return err
		}
		ls = append(ls, l)
	}
	img, err := mutate.AppendLayers(empty.Image, ls...)
	if err != nil {
		return err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return err
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture, cf.Config = "linux", runtime.GOARCH, cfg
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		return err
	}
	ref, err := name.NewTag(tag)
	if err != nil {
		return err
	}
	return ggtarball.WriteToFile(path, ref, img)
}
