package store

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/klauspost/compress/gzip"

	"github.com/berth-dev/berth/engine"
)

func TestLoad(t *testing.T) {
	requireRoot(t)
	a, b := testImage(t, "a"), testImage(t, "b")
	gzipped := func(b []byte) []byte {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write(b)
		zw.Close()
		return buf.Bytes()
	}
	docker := dockerArchive(t, map[string]v1.Image{"busybox:latest": a, "registry.test:5000/team/app:1": a, "localhost/b:2": b})
	tests := []struct {
		name     string
		archive  []byte
		wantRefs []string
		wantTags map[string][]string // by image cmd
	}{{
		name:     "docker save with several tags",
		archive:  docker,
		wantRefs: []string{"busybox:latest", "localhost/b:2", "registry.test:5000/team/app:1"},
		wantTags: map[string][]string{"a": {"busybox:latest", "registry.test:5000/team/app:1"}, "b": {"localhost/b:2"}},
	}, {
		name:     "gzipped docker save",
		archive:  gzipped(dockerArchive(t, map[string]v1.Image{"busybox": a})),
		wantRefs: []string{"busybox:latest"},
		wantTags: map[string][]string{"a": {"busybox:latest"}},
	}, {
		name:     "OCI archive with a name",
		archive:  ociArchive(t, a, "docker.io/library/alpine:3"),
		wantRefs: []string{"alpine:3"},
		wantTags: map[string][]string{"a": {"alpine:3"}},
	}, {
		name:     "OCI archive without a name",
		archive:  ociArchive(t, b, "latest"),
		wantRefs: []string{imageID(t, b)},
		wantTags: map[string][]string{"b": nil},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t)
			refs := load(t, s, tt.archive)
			slices.Sort(refs)
			if diff := cmp.Diff(tt.wantRefs, refs); diff != "" {
				t.Errorf("refs loaded (-want +got):\n%s", diff)
			}
			imgs, err := s.List(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if len(imgs) != len(tt.wantTags) {
				t.Fatalf("List has %d images, want %d", len(imgs), len(tt.wantTags))
			}
			for _, img := range imgs {
				cmd := img.Config.Cmd[0]
				if diff := cmp.Diff(tt.wantTags[cmd], img.Tags, cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("tags of image %s (-want +got):\n%s", cmd, diff)
				}
				want := map[string]v1.Image{"a": a, "b": b}[cmd]
				if img.ID != imageID(t, want) {
					t.Errorf("image %s has ID %s, want %s", cmd, img.ID, imageID(t, want))
				}
				if img.Platform != "linux/amd64" || !img.Created.Equal(epoch) || img.Size == 0 {
					t.Errorf("image %s: platform %q, created %v, size %d", cmd, img.Platform, img.Created, img.Size)
				}
			}
		})
	}
}

func TestLoadRejects(t *testing.T) {
	tests := []struct {
		name, archive, want string
	}{
		{"not a tar", "hello", "read the image archive"},
		{"no manifest", string(layerTar(t, file("x", "y", 0o644, 0, 0))), "neither manifest.json nor index.json"},
		{"bad manifest", string(layerTar(t, file("manifest.json", "[{", 0o644, 0, 0))), "parse manifest.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := newStore(t).Load(context.Background(), strings.NewReader(tt.archive))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Load: %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestResolve(t *testing.T) {
	ids := []string{
		"sha256:" + strings.Repeat("ab", 32),
		"sha256:" + "abcd" + strings.Repeat("0", 60),
		"sha256:" + "abce" + strings.Repeat("1", 60),
	}
	ix := &index{Images: map[string]*record{}, Refs: map[string]string{
		"docker.io/library/busybox:latest":               ids[0],
		"docker.io/library/busybox:1":                    ids[1],
		"127.0.0.1:5000/x/y:2":                           ids[2],
		"docker.io/library/busybox@sha256:" + hex64("d"): ids[1],
		"docker.io/library/dangling:latest":              "sha256:" + hex64("f"),
		"docker.io/library/abcd:latest":                  ids[0],
	}}
	for _, id := range ids {
		h, err := v1.NewHash(id)
		if err != nil {
			t.Fatal(err)
		}
		ix.Images[id] = &record{ID: h}
	}
	tests := []struct {
		ref, want string // want: image ID, or "notfound", or an error text
	}{
		{"busybox", ids[0]},
		{"busybox:latest", ids[0]},
		{"docker.io/busybox", ids[0]},
		{"docker.io/library/busybox:latest", ids[0]},
		{"index.docker.io/library/busybox", ids[0]},
		{"busybox:1", ids[1]},
		{"busybox@sha256:" + hex64("d"), ids[1]},
		{"busybox:1@sha256:" + hex64("d"), ids[1]},
		{"busybox@sha256:" + hex64("e"), "notfound"},
		{"127.0.0.1:5000/x/y:2", ids[2]},
		{"127.0.0.1:5000/x/y", "notfound"},
		{ids[2], ids[2]},
		{strings.TrimPrefix(ids[2], "sha256:"), ids[2]},
		{"sha256:" + hex64("c"), "notfound"},
		{"abab", ids[0]},
		{"sha256:abab", ids[0]},
		{"abcd", ids[0]}, // a tag wins over an ID prefix, as in docker
		{"abce1", ids[2]},
		{"abc", "notfound"}, // too short for an ID
		{"abd", "notfound"},
		{"ab", "notfound"},
		{"dangling", "notfound"},
		{"Invalid Ref!", "notfound"},
	}
	for _, tt := range tests {
		t.Run(tt.ref, func(t *testing.T) {
			r, _, err := ix.resolve(tt.ref)
			switch {
			case tt.want == "notfound":
				var nf *engine.ImageNotFoundError
				if !errors.As(err, &nf) || nf.Ref != tt.ref || !errors.Is(err, engine.ErrNotFound) {
					t.Fatalf("resolve: %v, %v; want ImageNotFoundError", r, err)
				}
			case err != nil:
				t.Fatalf("resolve: %v", err)
			case r.ID.String() != tt.want:
				t.Fatalf("resolve = %s, want %s", r.ID, tt.want)
			}
		})
	}
	// Two IDs starting with "abcd" and no such tag: ambiguous, not absent.
	delete(ix.Refs, "docker.io/library/abcd:latest")
	ix.Images["sha256:abcd"+strings.Repeat("2", 60)] = &record{}
	if _, _, err := ix.resolve("abcd"); err == nil || errors.Is(err, engine.ErrNotFound) || !strings.Contains(err.Error(), "matches 2 images") {
		t.Fatalf("resolve(abcd) with two matches: %v, want an ambiguity error", err)
	}
}

func hex64(c string) string { return strings.Repeat(c, 64) }

func TestTagRemove(t *testing.T) {
	requireRoot(t)
	ctx := context.Background()
	a := testImage(t, "a")
	b := image(t, "b", baseLayer(t)) // shares the base layer with a
	s := newStore(t)
	load(t, s, dockerArchive(t, map[string]v1.Image{"a:1": a, "b:1": b}))
	idA, idB := imageID(t, a), imageID(t, b)

	steps := []struct {
		op, ref, arg string
		wantErr      string
		wantTags     map[string][]string // by ID; absent ID = image gone
	}{
		{op: "tag", ref: "a:1", arg: "a:2", wantTags: map[string][]string{idA: {"a:1", "a:2"}, idB: {"b:1"}}},
		{op: "tag", ref: "a:1", arg: "other.test/a:3", wantTags: map[string][]string{idA: {"a:1", "a:2", "other.test/a:3"}, idB: {"b:1"}}},
		{op: "tag", ref: "nope", arg: "x", wantErr: "not found"},
		{op: "tag", ref: "a:1", arg: "x@sha256:" + hex64("a"), wantErr: "has a digest"},
		{op: "rm", ref: idA, wantErr: "several repositories"},
		{op: "rm", ref: "other.test/a:3", wantTags: map[string][]string{idA: {"a:1", "a:2"}, idB: {"b:1"}}},
		{op: "rm", ref: "a:2", wantTags: map[string][]string{idA: {"a:1"}, idB: {"b:1"}}},
		{op: "tag", ref: "b:1", arg: "a:1", wantTags: map[string][]string{idA: nil, idB: {"a:1", "b:1"}}},
		{op: "rm", ref: idA[7:19], wantTags: map[string][]string{idB: {"a:1", "b:1"}}},
		{op: "rm", ref: "a:1", wantTags: map[string][]string{idB: {"b:1"}}},
		{op: "rm", ref: "b", wantErr: "not found"},
		{op: "rm", ref: "b:1", wantTags: map[string][]string{}},
	}
	for _, st := range steps {
		var err error
		if st.op == "tag" {
			err = s.Tag(ctx, st.ref, st.arg)
		} else {
			err = s.Remove(ctx, st.ref)
		}
		if st.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), st.wantErr) {
				t.Fatalf("%s %s %s: %v, want an error containing %q", st.op, st.ref, st.arg, err, st.wantErr)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s %s %s: %v", st.op, st.ref, st.arg, err)
		}
		imgs, err := s.List(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string][]string{}
		for _, img := range imgs {
			got[img.ID] = img.Tags
		}
		if diff := cmp.Diff(st.wantTags, got, cmp.Comparer(func(a, b []string) bool { return strings.Join(a, ",") == strings.Join(b, ",") })); diff != "" {
			t.Fatalf("after %s %s %s, tags (-want +got):\n%s", st.op, st.ref, st.arg, diff)
		}
		if _, ok := got[idA]; !ok {
			// a's top layer is gone with it; the base layer b shares stays.
			assertLayers(t, s, a, map[int]bool{0: idInList(idB, got), 1: false})
		}
	}
	for _, sub := range []string{"blobs/sha256", "layers", "tmp"} {
		if ents, _ := os.ReadDir(filepath.Join(s.root, sub)); len(ents) != 0 {
			t.Errorf("%s not empty once every image is removed: %d entries", sub, len(ents))
		}
	}
	if _, err := s.Inspect(ctx, "b:1"); !errors.Is(err, engine.ErrNotFound) {
		t.Errorf("Inspect of a removed image: %v", err)
	}
}

func idInList(id string, m map[string][]string) bool { _, ok := m[id]; return ok }

// assertLayers checks which of img's layers (by index) are unpacked.
func assertLayers(t *testing.T, s *Store, img v1.Image, want map[int]bool) {
	t.Helper()
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	for i, d := range cf.RootFS.DiffIDs {
		_, err := os.Stat(s.layerDir(d))
		if got := err == nil; got != want[i] {
			t.Errorf("layer %d unpacked: %v, want %v", i, got, want[i])
		}
	}
}
