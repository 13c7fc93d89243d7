package docker

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/berth-dev/berth/engine"
)

func TestLoadedImages(t *testing.T) {
	for _, tc := range []struct {
		name, answer string
		want         []string
		err          string
	}{
		{name: "tagged", answer: `{"stream":"Loaded image: shop-web:latest\n"}` + "\n" + `{"stream":"Loaded image: shop-app:1\n"}`,
			want: []string{"shop-web:latest", "shop-app:1"}},
		{name: "untagged", answer: `{"stream":"Loaded image ID: sha256:0123\n"}`, want: []string{"sha256:0123"}},
		{name: "lines in one message", answer: `{"stream":"Loaded image: a:1\nLoaded image: b:2\n"}`, want: []string{"a:1", "b:2"}},
		{name: "progress ignored", answer: `{"status":"Loading layer","progressDetail":{"current":1,"total":2}}{"stream":"Loaded image: a:1\n"}`,
			want: []string{"a:1"}},
		{name: "nothing", answer: ``},
		{name: "daemon error", answer: `{"stream":"Loaded image: a:1\n"}{"errorDetail":{"message":"unexpected EOF"},"error":"unexpected EOF"}`,
			want: []string{"a:1"}, err: "unexpected EOF"},
		{name: "cut answer", answer: `{"stream":"Loaded im`, err: "read the daemon's answer: unexpected EOF"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := loadedImages(strings.NewReader(tc.answer))
			if !slices.Equal(got, tc.want) {
				t.Errorf("loaded %q, want %q", got, tc.want)
			}
			if msg := errMsg(err); msg != tc.err {
				t.Errorf("error %q, want %q", msg, tc.err)
			}
		})
	}
}

func errMsg(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// TestLoadImages loads a tiny image built here, once tagged and once by
// digest only, into the local daemon, and an archive that is none.
func TestLoadImages(t *testing.T) {
	d := newDaemonTest(t)
	ctx := d.ctx()
	img := tinyImage(t)
	id, err := img.ConfigName()
	if err != nil {
		t.Fatal(err)
	}
	suffix := make([]byte, 4)
	_, _ = rand.Read(suffix)
	tag := "berthtest-load-" + hex.EncodeToString(suffix) + ":1"
	t.Cleanup(func() {
		for _, ref := range []string{tag, id.String()} {
			if err := d.e.RemoveImage(ctx, ref); err != nil && !errors.Is(err, engine.ErrNotFound) {
				t.Errorf("cleanup: %v", err)
			}
		}
	})

	ref, err := name.ParseReference(tag)
	if err != nil {
		t.Fatal(err)
	}
	var archive bytes.Buffer
	if err := tarball.Write(ref, img, &archive); err != nil {
		t.Fatal(err)
	}
	got, err := d.e.LoadImages(ctx, &archive)
	if err != nil || !slices.Equal(got, []string{tag}) {
		t.Fatalf("LoadImages(tagged) = %q, %v; want [%s]", got, err, tag)
	}
	if found, err := d.e.InspectImage(ctx, tag); err != nil || found.ID != id.String() {
		t.Fatalf("InspectImage(%s) = %s, %v; want %s", tag, found.ID, err, id)
	}

	if err := d.e.RemoveImage(ctx, tag); err != nil {
		t.Fatal(err)
	}
	digest, err := name.NewDigest("berthtest-load@" + mustDigest(t, img).String())
	if err != nil {
		t.Fatal(err)
	}
	archive.Reset()
	if err := tarball.MultiRefWrite(map[name.Reference]v1.Image{digest: img}, &archive); err != nil {
		t.Fatal(err)
	}
	got, err = d.e.LoadImages(ctx, &archive)
	if err != nil || !slices.Equal(got, []string{id.String()}) {
		t.Fatalf("LoadImages(untagged) = %q, %v; want [%s]", got, err, id)
	}

	got, err = d.e.LoadImages(ctx, strings.NewReader("not a tar archive"))
	if err == nil || !strings.Contains(err.Error(), "load images") {
		t.Fatalf("LoadImages(garbage) = %q, %v; want an error naming the load", got, err)
	}
}

// tinyImage is one small random layer with a config for this machine.
func tinyImage(t *testing.T) v1.Image {
	t.Helper()
	img, err := random.Image(256, 1)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", runtime.GOARCH
	cf.Config.Cmd = []string{"/nothing"}
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func mustDigest(t *testing.T, img v1.Image) v1.Hash {
	t.Helper()
	h, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return h
}
