package store

import (
	"context"
	"errors"
	"io"
	"log"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/berth-dev/berth/engine"
)

// testRegistry serves an in-memory registry on 127.0.0.1 and returns its
// host:port.
func testRegistry(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

// events records progress events.
type events struct {
	mu  sync.Mutex
	all []engine.PullEvent
}

func (e *events) add(ev engine.PullEvent) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.all = append(e.all, ev)
}

// done is the statuses of the events that ended each layer.
func (e *events) done() map[string]string {
	out := map[string]string{}
	for _, ev := range e.all {
		if ev.Done {
			out[ev.Layer] = ev.Status
		}
	}
	return out
}

func (e *events) has(prefix string) bool {
	for _, ev := range e.all {
		if strings.HasPrefix(ev.Status, prefix) {
			return true
		}
	}
	return false
}

func TestPull(t *testing.T) {
	requireRoot(t)
	ctx := context.Background()
	reg := testRegistry(t)
	img, err := random.Image(2048, 3)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(mustRef(t, reg+"/team/app:1"), img); err != nil {
		t.Fatal(err)
	}
	digest, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	s := newStore(t)
	tests := []struct {
		ref         string
		wantErr     error
		wantDone    string // status ending every layer
		wantTags    []string
		wantDigests []string
	}{
		{ref: reg + "/team/app:2", wantErr: engine.ErrNotFound},
		{ref: reg + "/team/none", wantErr: engine.ErrNotFound},
		{ref: reg + "/team/app:1", wantDone: "Pull complete", wantTags: []string{reg + "/team/app:1"}, wantDigests: []string{reg + "/team/app@" + digest.String()}},
		{ref: reg + "/team/app@" + digest.String(), wantDone: "Already exists", wantTags: []string{reg + "/team/app:1"}, wantDigests: []string{reg + "/team/app@" + digest.String()}},
	}
	for _, tt := range tests {
		t.Run(tt.ref, func(t *testing.T) {
			var evs events
			err := s.Pull(ctx, tt.ref, engine.PullOptions{Progress: evs.add}, nil)
			if tt.wantErr != nil {
				var pe *engine.PullError
				if !errors.Is(err, tt.wantErr) || !errors.As(err, &pe) || pe.Ref != tt.ref || pe.Op != "pull" {
					t.Fatalf("Pull: %v, want a *engine.PullError matching %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			done := evs.done()
			if len(done) != 3 {
				t.Errorf("layers done: %v, want 3", done)
			}
			for l, st := range done {
				if st != tt.wantDone {
					t.Errorf("layer %s ended with %q, want %q", l, st, tt.wantDone)
				}
			}
			if !evs.has("Digest: "+digest.String()) || !evs.has("Status: ") {
				t.Errorf("no digest or status event in %v", evs.all)
			}
			got, err := s.Inspect(ctx, tt.ref)
			if err != nil {
				t.Fatal(err)
			}
			if got.ID != imageID(t, img) || strings.Join(got.Tags, ",") != strings.Join(tt.wantTags, ",") || strings.Join(got.Digests, ",") != strings.Join(tt.wantDigests, ",") {
				t.Errorf("Inspect = %s %v %v, want %s %v %v", got.ID, got.Tags, got.Digests, imageID(t, img), tt.wantTags, tt.wantDigests)
			}
			dirs, err := s.Layers(ctx, got.ID)
			if err != nil || len(dirs) != 3 {
				t.Errorf("Layers: %v, %v", dirs, err)
			}
		})
	}
}

func TestPullPlatform(t *testing.T) {
	requireRoot(t)
	reg := testRegistry(t)
	idx, err := random.Index(1024, 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.WriteIndex(mustRef(t, reg+"/multi:1"), idx); err != nil {
		t.Fatal(err)
	}
	m, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	// random.Index gives its images no platform: a platform nothing has
	// must fail without storing anything.
	s := newStore(t)
	err = s.Pull(context.Background(), reg+"/multi:1", engine.PullOptions{Platform: "linux/s390x"}, nil)
	if err == nil {
		t.Fatalf("Pull of a platform the index lacks succeeded (index: %v)", m.Manifests)
	}
	if imgs, _ := s.List(context.Background()); len(imgs) != 0 {
		t.Errorf("a failed pull stored %d images", len(imgs))
	}
	if err := s.Pull(context.Background(), reg+"/multi:1", engine.PullOptions{Platform: "bad"}, nil); err == nil || !strings.Contains(err.Error(), "platform") {
		t.Errorf("Pull with a bad platform: %v", err)
	}
}

// TestPushPull pushes loaded images, with uncompressed layers as `docker
// save` writes them, and pulls them back into another store.
func TestPushPull(t *testing.T) {
	requireRoot(t)
	ctx := context.Background()
	reg := testRegistry(t)
	tests := []struct {
		name    string
		archive func(v1.Image) []byte
	}{
		{"docker archive", func(img v1.Image) []byte { return dockerArchive(t, map[string]v1.Image{"local/app:1": img}) }},
		{"OCI archive", func(img v1.Image) []byte { return ociArchive(t, img, "local/app:1") }},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img := testImage(t, tt.name)
			src := newStore(t)
			load(t, src, tt.archive(img))
			dst := reg + "/pushed/app:" + string(rune('a'+i))
			if err := src.Tag(ctx, "local/app:1", dst); err != nil {
				t.Fatal(err)
			}
			var evs events
			if err := src.Push(ctx, dst, evs.add, nil); err != nil {
				t.Fatal(err)
			}
			if done := evs.done(); len(done) != 2 {
				t.Errorf("layers pushed: %v, want 2", done)
			}
			remoteImg, err := remote.Image(mustRef(t, dst))
			if err != nil {
				t.Fatal(err)
			}
			m, err := remoteImg.Manifest()
			if err != nil {
				t.Fatal(err)
			}
			if m.Config.Digest.String() != imageID(t, img) {
				t.Errorf("pushed config %s, want %s", m.Config.Digest, imageID(t, img))
			}
			for _, l := range m.Layers {
				if l.MediaType != types.DockerLayer && l.MediaType != types.OCILayer {
					t.Errorf("pushed layer %s has media type %s, want gzip", l.Digest, l.MediaType)
				}
			}
			pushed, err := remoteImg.Digest()
			if err != nil {
				t.Fatal(err)
			}
			got, err := src.Inspect(ctx, dst)
			if err != nil {
				t.Fatal(err)
			}
			if want := dst[:strings.LastIndex(dst, ":")] + "@" + pushed.String(); !strings.Contains(strings.Join(got.Digests, " "), want) {
				t.Errorf("digests after push %v, want %s", got.Digests, want)
			}
			again := newStore(t)
			if err := again.Pull(ctx, dst, engine.PullOptions{}, nil); err != nil {
				t.Fatal(err)
			}
			back, err := again.Inspect(ctx, dst)
			if err != nil || back.ID != imageID(t, img) {
				t.Errorf("pulled back %s, %v; want %s", back.ID, err, imageID(t, img))
			}
		})
	}
	var nf *engine.ImageNotFoundError
	if err := newStore(t).Push(ctx, reg+"/absent:1", nil, nil); !errors.Is(err, engine.ErrNotFound) || !errors.As(err, &nf) {
		t.Errorf("Push of an absent image: %v, want an *engine.ImageNotFoundError", err)
	}
}

func mustRef(t *testing.T, s string) name.Reference {
	t.Helper()
	r, err := name.ParseReference(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
