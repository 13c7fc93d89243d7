package testimage

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
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
		return writeArchive(path, Ref, layer, v1.Config{Entrypoint: []string{Entrypoint}})
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
		return writeArchive(path, ShellRef, layer, v1.Config{Cmd: []string{"sh"}})
	})
	if err != nil {
		t.Fatalf("testimage: archive %s: %v", ShellRef, err)
	}
	return path
}

// writeArchive packs layer with cfg as image tag into a `docker save`
// archive at path.
func writeArchive(path, tag string, layer []byte, cfg v1.Config) error {
	l, err := ggtarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(layer)), nil })
	if err != nil {
		return err
	}
	img, err := mutate.AppendLayers(empty.Image, l)
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
