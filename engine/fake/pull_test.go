package fake

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/berth-dev/berth/engine"
)

func TestPullImage(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	f := New().WithImage(engine.Image{ID: "sha256:old", Tags: []string{"reg.example/app:1"}}).
		WithClock(func() time.Time { return at }).Build()
	f.AddRegistryImage("reg.example/app:1", engine.Image{ID: "sha256:new"}, "l1", "l2")

	var events []string
	if err := f.PullImage(ctx, "reg.example/app:1", engine.PullOptions{Progress: func(e engine.PullEvent) { events = append(events, e.Layer+" "+e.Status) }}); err != nil {
		t.Fatalf("PullImage: %v", err)
	}
	img, err := f.InspectImage(ctx, "reg.example/app:1")
	if err != nil || img.ID != "sha256:new" || !img.LastTagTime.Equal(at) {
		t.Errorf("after pull InspectImage got %+v, %v; want sha256:new tagged at %v", img, err, at)
	}
	old, err := f.InspectImage(ctx, "sha256:old")
	if err != nil || len(old.Tags) != 0 {
		t.Errorf("after pull the old image got %+v, %v; want it untagged", old, err)
	}
	want := []string{"l1 Pulling fs layer", "l1 Pull complete", "l2 Pulling fs layer", "l2 Pull complete"}
	if !slices.Equal(events, want) {
		t.Errorf("PullImage progress got %q, want %q", events, want)
	}

	err = f.PullImage(ctx, "reg.example/nope:1", engine.PullOptions{})
	var pe *engine.PullError
	if !errors.As(err, &pe) || !errors.Is(err, engine.ErrNotFound) {
		t.Errorf("PullImage(absent) got %v, want a *PullError matching ErrNotFound", err)
	}
	boom := errors.New("unauthorized")
	f.FailPull("reg.example/app:1", boom)
	if err := f.PullImage(ctx, "reg.example/app:1", engine.PullOptions{}); !errors.Is(err, boom) {
		t.Errorf("PullImage after FailPull got %v, want %v", err, boom)
	}
}

func TestPushImage(t *testing.T) {
	ctx := context.Background()
	f := New().WithImage(engine.Image{ID: "sha256:mine", Tags: []string{"reg.example/mine:1"}}).Build()
	if err := f.PushImage(ctx, "reg.example/mine:1", nil); err != nil {
		t.Fatalf("PushImage: %v", err)
	}
	if img, ok := f.RegistryImage("reg.example/mine:1"); !ok || img.ID != "sha256:mine" {
		t.Errorf("after push the registry holds %+v (%v), want sha256:mine", img, ok)
	}
	if err := f.PushImage(ctx, "reg.example/absent:1", nil); !errors.Is(err, engine.ErrNotFound) {
		t.Errorf("PushImage(absent) got %v, want ErrNotFound", err)
	}
}
