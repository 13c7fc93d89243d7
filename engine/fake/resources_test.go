package fake_test

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/fake"
)

func TestBuilderSeeds(t *testing.T) {
	ctx := context.Background()
	shop := map[string]string{engine.LabelProject: "shop"}
	f := fake.New().
		WithImage(engine.Image{Tags: []string{"app"}}).
		WithNetwork(engine.Network{Name: "shop_default", Labels: shop}, engine.Network{Name: "bridge"}).
		WithVolume(engine.Volume{Name: "shop_data", Labels: shop}).
		WithContainer(
			engine.Container{Name: "shop-web-1", Image: "app", State: "running", Labels: shop,
				Networks: map[string]engine.Endpoint{"shop_default": {}}},
			engine.Container{Name: "other-web-1", Image: "app", Labels: map[string]string{engine.LabelProject: "other"}},
		).
		Build()

	cs, err := f.Containers(ctx, "shop")
	if err != nil || len(cs) != 1 {
		t.Fatalf("Containers(shop) got %v, %v, want shop-web-1 only", cs, err)
	}
	web := cs[0]
	if !hexID.MatchString(web.ID) || web.State != "running" || web.ImageID == "" {
		t.Errorf("seeded container got ID %q state %q image ID %q, want a derived ID, running, the seeded image's ID", web.ID, web.State, web.ImageID)
	}
	if other := mustInspect(t, f, "other-web-1"); other.State != "created" {
		t.Errorf("seeded container without State got %q, want created", other.State)
	}
	ns, err := f.Networks(ctx, "shop")
	if err != nil || len(ns) != 1 || ns[0].Driver != "bridge" {
		t.Fatalf("Networks(shop) got %+v, %v, want shop_default with driver bridge", ns, err)
	}
	vs, err := f.Volumes(ctx, "shop")
	if err != nil || len(vs) != 1 || vs[0].Driver != "local" {
		t.Errorf("Volumes(shop) got %+v, %v, want shop_data with driver local", vs, err)
	}
	if img, err := f.InspectImage(ctx, "app:latest"); err != nil || !strings.HasPrefix(img.ID, "sha256:") {
		t.Errorf("InspectImage(app:latest) got %+v, %v, want the seeded image with a sha256 ID", img, err)
	}
	// A seeded running container can be stopped and waited for.
	if err := f.StopContainer(ctx, web.ID, nil); err != nil {
		t.Fatal(err)
	}
	if code, err := f.WaitContainer(ctx, web.ID); err != nil || code != 0 {
		t.Errorf("WaitContainer(stopped seed) got %d, %v, want 0", code, err)
	}
}

func TestBuilderPanicsOnContradictorySeed(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Errorf("Build() with two containers named shop-web-1 did not panic")
		}
	}()
	fake.New().WithContainer(engine.Container{Name: "shop-web-1"}, engine.Container{Name: "shop-web-1"}).Build()
}

func TestNetworkRemovalAndStart(t *testing.T) {
	ctx := context.Background()
	f := newFake()
	netID, err := f.CreateNetwork(ctx, engine.NetworkSpec{Name: "shop_default", Config: types.NetworkConfig{Internal: true}})
	if err != nil {
		t.Fatal(err)
	}
	s := spec("shop-web-1")
	s.Networks = []engine.NetworkAttachment{{Network: "shop_default", Aliases: []string{"web"}, IPv4Address: "10.0.0.5"}}
	id := mustCreate(t, f, s)
	if ep := mustInspect(t, f, id).Networks["shop_default"]; ep.NetworkID != netID || ep.IPAddress != "10.0.0.5" || !slices.Equal(ep.Aliases, []string{"web"}) {
		t.Errorf("endpoint on shop_default got %+v, want network %s, IP 10.0.0.5, alias web", ep, netID)
	}
	if n, _ := f.InspectNetwork(ctx, netID[:12]); !n.Internal || len(n.Containers) != 0 {
		t.Errorf("InspectNetwork(ID prefix) got %+v, want internal with no active endpoints (container not running)", n)
	}
	// Like Docker, a network whose containers are all stopped can go; those
	// containers then fail to start.
	if err := f.RemoveNetwork(ctx, "shop_default"); err != nil {
		t.Fatalf("RemoveNetwork(only a created container attached) got %v, want success", err)
	}
	if err := f.StartContainer(ctx, id); !errors.Is(err, engine.ErrNotFound) {
		t.Errorf("StartContainer(network removed) got %v, want ErrNotFound", err)
	}
}

func TestJoinedContainerMustRun(t *testing.T) {
	ctx := context.Background()
	f := newFake()
	db := mustCreate(t, f, spec("shop-db-1"))
	s := spec("shop-web-1")
	s.Service.NetworkMode = "container:" + db
	web := mustCreate(t, f, s)
	if err := f.StartContainer(ctx, web); !errors.Is(err, engine.ErrConflict) {
		t.Errorf("StartContainer(web joining a stopped db) got %v, want ErrConflict", err)
	}
	if err := f.StartContainer(ctx, db); err != nil {
		t.Fatal(err)
	}
	if err := f.StartContainer(ctx, web); err != nil {
		t.Errorf("StartContainer(web joining a running db) got %v, want success", err)
	}
}

func TestVolumesFollowContainers(t *testing.T) {
	ctx := context.Background()
	f := newFake()
	s := spec("shop-db-1")
	s.Service.Volumes = []types.ServiceVolumeConfig{
		{Type: types.VolumeTypeVolume, Source: "shop_data", Target: "/data"},
		{Type: types.VolumeTypeVolume, Target: "/cache"},
		{Type: types.VolumeTypeBind, Source: "/src", Target: "/src", ReadOnly: true},
	}
	old := mustCreate(t, f, s)
	mounts := mustInspect(t, f, old).Mounts
	if len(mounts) != 3 || mounts[0].Name != "shop_data" || !hexID.MatchString(mounts[1].Name) || mounts[2].Type != "bind" || !mounts[2].ReadOnly {
		t.Fatalf("Mounts got %+v, want named shop_data, an anonymous volume, a read-only bind", mounts)
	}
	anon := mounts[1].Name
	if _, err := f.InspectVolume(ctx, "shop_data"); err != nil {
		t.Errorf("named volume not created on the fly as Docker does: %v", err)
	}

	// Recreate: the replacement takes over the anonymous volume.
	s.Name = "tmp_shop-db-1"
	s.InheritVolumesFrom = old
	repl := mustCreate(t, f, s)
	if got := mustInspect(t, f, repl).Mounts[1].Name; got != anon {
		t.Errorf("replacement's /cache volume got %q, want the inherited %q", got, anon)
	}
	// Removing the old container with Volumes keeps a volume still in use.
	if err := f.RemoveContainer(ctx, old, engine.RemoveOptions{Volumes: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.InspectVolume(ctx, anon); err != nil {
		t.Errorf("anonymous volume still mounted by the replacement was removed: %v", err)
	}
	if err := f.RemoveContainer(ctx, repl, engine.RemoveOptions{Volumes: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.InspectVolume(ctx, anon); !errors.Is(err, engine.ErrNotFound) {
		t.Errorf("InspectVolume(anonymous) after RemoveContainer(Volumes) got %v, want ErrNotFound", err)
	}
	if _, err := f.InspectVolume(ctx, "shop_data"); err != nil {
		t.Errorf("named volume removed with its container: %v; only anonymous ones go", err)
	}
}

func TestRemoveImage(t *testing.T) {
	tests := []struct {
		name     string
		ref      string
		inUse    bool
		want     error
		wantTags []string // tags left on the image; nil with want == nil: image gone
	}{
		{"untag one of two", "app:2", false, nil, []string{"app:latest"}},
		{"untag one of two in use", "app:2", true, nil, []string{"app:latest"}},
		{"ID with two tags", "sha256:", false, engine.ErrConflict, []string{"app:latest", "app:2"}},
		{"last tag in use", "solo", true, engine.ErrConflict, []string{"solo:latest"}},
		{"last tag", "solo", false, nil, nil},
		{"missing", "nope", false, engine.ErrNotFound, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			f := fake.New().
				WithImage(engine.Image{ID: "sha256:aaaa", Tags: []string{"app", "app:2"}}, engine.Image{ID: "sha256:bbbb", Tags: []string{"solo"}}).
				Build()
			ref := tc.ref
			if ref == "sha256:" {
				ref = "sha256:aaaa"
			}
			if tc.inUse {
				s := spec("shop-web-1")
				s.Service.Image = ref
				mustCreate(t, f, s)
			}
			err := f.RemoveImage(ctx, ref)
			if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("RemoveImage(%s) got %v, want %v", ref, err, tc.want)
			}
			if tc.want == engine.ErrNotFound {
				return
			}
			id := "sha256:aaaa"
			if strings.HasPrefix(ref, "solo") {
				id = "sha256:bbbb"
			}
			img, err := f.InspectImage(ctx, id)
			if tc.wantTags == nil {
				if !errors.Is(err, engine.ErrNotFound) {
					t.Errorf("InspectImage(%s) after RemoveImage(%s) got %+v, %v, want it gone", id, ref, img, err)
				}
				return
			}
			if !slices.Equal(img.Tags, tc.wantTags) {
				t.Errorf("RemoveImage(%s): tags left got %v, want %v", ref, img.Tags, tc.wantTags)
			}
		})
	}
}

func TestBuildImage(t *testing.T) {
	ctx := context.Background()
	f := fake.New().WithImage(engine.Image{ID: "sha256:old", Tags: []string{"shop-web:latest"}}).Build()
	var out bytes.Buffer
	if err := f.BuildImage(ctx, engine.BuildSpec{Tag: "shop-web", Labels: map[string]string{"k": "v"}}, &out); err != nil {
		t.Fatal(err)
	}
	img, err := f.InspectImage(ctx, "shop-web:latest")
	if err != nil || img.ID == "sha256:old" || img.Labels["k"] != "v" {
		t.Errorf("InspectImage(shop-web) after build got %+v, %v, want a new image with label k=v", img, err)
	}
	if old, _ := f.InspectImage(ctx, "sha256:old"); len(old.Tags) != 0 {
		t.Errorf("old image kept tags %v, want none (dangling)", old.Tags)
	}
	if !strings.Contains(out.String(), "shop-web") {
		t.Errorf("build output got %q, want it to name the tag", out.String())
	}
}

func TestLogs(t *testing.T) {
	ctx := context.Background()
	f := newFake()
	id := mustCreate(t, f, spec("shop-web-1"))
	if err := f.SetLogs(id, "one\ntwo\nthree\n", "oops\n"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		tail, wantOut, wantErr string
	}{
		{"", "one\ntwo\nthree\n", "oops\n"},
		{"all", "one\ntwo\nthree\n", "oops\n"},
		{"2", "two\nthree\n", "oops\n"},
		{"0", "", ""},
	}
	for _, tc := range tests {
		var out, errOut bytes.Buffer
		if err := f.Logs(ctx, id, engine.LogOptions{Tail: tc.tail}, &out, &errOut); err != nil {
			t.Fatalf("Logs(tail %q): %v", tc.tail, err)
		}
		if out.String() != tc.wantOut || errOut.String() != tc.wantErr {
			t.Errorf("Logs(tail %q) got %q / %q, want %q / %q", tc.tail, out.String(), errOut.String(), tc.wantOut, tc.wantErr)
		}
	}
	if err := f.Logs(ctx, id, engine.LogOptions{Tail: "x"}, &bytes.Buffer{}, &bytes.Buffer{}); err == nil {
		t.Errorf("Logs(tail x) got no error, want one")
	}

	// Follow returns once the container stops.
	if err := f.StartContainer(ctx, id); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1) // the follower sends once
	go func() { done <- f.Logs(ctx, id, engine.LogOptions{Follow: true}, &bytes.Buffer{}, &bytes.Buffer{}) }()
	if err := f.StopContainer(ctx, id, nil); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Logs(follow) got %v, want nil once stopped", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Logs(follow) still running after the container stopped")
	}
}

func TestAmbiguousPrefix(t *testing.T) {
	f := fake.New().WithImage(engine.Image{Tags: []string{testImage}}).
		WithContainer(
			engine.Container{ID: "abc1", Name: "a", Image: testImage},
			engine.Container{ID: "abc2", Name: "b", Image: testImage},
		).Build()
	for _, tc := range []struct {
		ref, wantName string
	}{{"abc1", "a"}, {"abc2", "b"}, {"b", "b"}, {"/a", "a"}, {"abc", ""}} {
		c, err := f.InspectContainer(context.Background(), tc.ref)
		if tc.wantName == "" {
			if err == nil {
				t.Errorf("InspectContainer(%s) got %s, want an error for an ambiguous prefix", tc.ref, c.Name)
			}
			continue
		}
		if err != nil || c.Name != tc.wantName {
			t.Errorf("InspectContainer(%s) got %q, %v, want %s", tc.ref, c.Name, err, tc.wantName)
		}
	}
}
