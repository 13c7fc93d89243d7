package fake_test

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/fake"
)

func TestHooksInjectFailures(t *testing.T) {
	boom := errors.New("boom")
	f := newFake()
	ctx := context.Background()
	id := mustCreate(t, f, spec("shop-web-1"))

	var seen []string
	f.Hooks.StartContainer = func(_ context.Context, id string) error {
		seen = append(seen, id)
		return boom
	}
	f.Hooks.CreateNetwork = func(_ context.Context, s engine.NetworkSpec) error {
		if s.Name == "shop_bad" {
			return boom
		}
		return nil
	}

	if err := f.StartContainer(ctx, id); !errors.Is(err, boom) {
		t.Errorf("StartContainer with a failing hook got %v, want boom", err)
	}
	if got := mustInspect(t, f, id).State; got != "created" {
		t.Errorf("after a failed StartContainer: State got %q, want created (no state change)", got)
	}
	if !slices.Equal(seen, []string{id}) {
		t.Errorf("StartContainer hook saw %q, want [%s]", seen, id)
	}
	if _, err := f.CreateNetwork(ctx, engine.NetworkSpec{Name: "shop_bad"}); !errors.Is(err, boom) {
		t.Errorf("CreateNetwork(shop_bad) got %v, want boom", err)
	}
	if _, err := f.CreateNetwork(ctx, engine.NetworkSpec{Name: "shop_good"}); err != nil {
		t.Errorf("CreateNetwork(shop_good) with a hook returning nil got %v, want success", err)
	}
	if _, err := f.InspectNetwork(ctx, "shop_bad"); !errors.Is(err, engine.ErrNotFound) {
		t.Errorf("InspectNetwork(shop_bad) after a failed create got %v, want ErrNotFound", err)
	}
}

func TestCancelledContext(t *testing.T) {
	f := newFake()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := f.CreateContainer(ctx, spec("shop-web-1")); !errors.Is(err, context.Canceled) {
		t.Errorf("CreateContainer(cancelled ctx) got %v, want context.Canceled", err)
	}
	if _, err := f.Containers(context.Background(), "shop"); err != nil {
		t.Fatal(err)
	}
	if list, _ := f.Containers(context.Background(), "shop"); len(list) != 0 {
		t.Errorf("a cancelled CreateContainer left %d containers, want 0", len(list))
	}
}

func TestCallsAndMutations(t *testing.T) {
	f := newFake()
	ctx := context.Background()
	id := mustCreate(t, f, spec("shop-web-1"))
	if _, err := f.CreateNetwork(ctx, engine.NetworkSpec{Name: "shop_default"}); err != nil {
		t.Fatal(err)
	}
	if err := f.ConnectNetwork(ctx, "shop_default", id, engine.NetworkAttachment{}); err != nil {
		t.Fatal(err)
	}
	_, _ = f.Containers(ctx, "shop")
	_, _ = f.InspectImage(ctx, "nope")
	var out bytes.Buffer
	if err := f.BuildImage(ctx, engine.BuildSpec{Tag: "shop-web"}, &out); err != nil {
		t.Fatal(err)
	}

	wantCalls := []fake.Call{
		{Method: "CreateContainer", Args: []string{"shop-web-1"}},
		{Method: "CreateNetwork", Args: []string{"shop_default"}},
		{Method: "ConnectNetwork", Args: []string{"shop_default", id}},
		{Method: "Containers", Args: []string{"shop"}},
		{Method: "InspectImage", Args: []string{"nope"}},
		{Method: "BuildImage", Args: []string{"shop-web"}},
	}
	if diff := cmp.Diff(wantCalls, f.Calls()); diff != "" {
		t.Errorf("Calls() (-want +got):\n%s", diff)
	}
	wantMut := slices.DeleteFunc(slices.Clone(wantCalls), func(c fake.Call) bool {
		return c.Method == "Containers" || c.Method == "InspectImage"
	})
	if diff := cmp.Diff(wantMut, f.Mutations()); diff != "" {
		t.Errorf("Mutations() (-want +got):\n%s", diff)
	}

	f.ResetCalls()
	_, _ = f.Containers(ctx, "shop")
	_, _ = f.Networks(ctx, "shop")
	_, _ = f.Volumes(ctx, "shop")
	_, _ = f.Images(ctx)
	if got := f.Mutations(); len(got) != 0 {
		t.Errorf("Mutations() after reads only got %v, want none", got)
	}
	if got := len(f.Calls()); got != 4 {
		t.Errorf("len(Calls()) after ResetCalls and 4 reads got %d, want 4", got)
	}
}

func TestCallMutating(t *testing.T) {
	tests := map[string]bool{
		"CreateContainer": true, "StartContainer": true, "StopContainer": true, "RemoveContainer": true,
		"RenameContainer": true, "CreateNetwork": true, "RemoveNetwork": true, "ConnectNetwork": true,
		"DisconnectNetwork": true, "CreateVolume": true, "RemoveVolume": true, "RemoveImage": true, "BuildImage": true,
		"Containers": false, "Networks": false, "Volumes": false, "Images": false, "InspectContainer": false,
		"InspectNetwork": false, "InspectVolume": false, "InspectImage": false, "HealthLog": false,
		"WaitContainer": false, "Logs": false,
	}
	for method, want := range tests {
		if got := (fake.Call{Method: method}).Mutating(); got != want {
			t.Errorf("Call{%s}.Mutating() got %v, want %v", method, got, want)
		}
	}
}

// TestErrorsNameOperation checks that the fake, like engine/docker, puts the
// operation and its resource in front of every error it returns, a hook's
// and a cancelled context's included, so that callers need not.
func TestErrorsNameOperation(t *testing.T) {
	boom := errors.New("boom")
	f := newFake()
	ctx := context.Background()
	id := mustCreate(t, f, spec("shop-web-1"))
	f.Hooks.StartContainer = func(context.Context, string) error { return boom }
	f.Hooks.RemoveVolume = func(context.Context, string) error { return boom }
	missing := &engine.ImageNotFoundError{Ref: "nope:1"}
	f.Hooks.InspectImage = func(context.Context, string) error { return missing }
	cancelled, cancel := context.WithCancel(ctx)
	cancel()

	tests := []struct {
		name string
		call func() error
		want string
	}{
		{"StartContainer hook", func() error { return f.StartContainer(ctx, id) }, "start container " + id[:12] + ": boom"},
		{"RemoveVolume hook", func() error { return f.RemoveVolume(ctx, "shop_data") }, "remove volume shop_data: boom"},
		{"CreateContainer cancelled", func() error {
			_, err := f.CreateContainer(cancelled, spec("shop-db-1"))
			return err
		}, "create container shop-db-1: context canceled"},
		{"StopContainer unknown", func() error { return f.StopContainer(ctx, "shop-nope-1", nil) }, "stop container shop-nope-1: no such container: not found"},
		{"CreateContainer missing image", func() error {
			s := spec("shop-api-1")
			s.Service.Image = "nope:1"
			_, err := f.CreateContainer(ctx, s)
			return err
		}, "create container shop-api-1: " + missing.Error()},
		// A missing image names itself, as engine/docker returns it.
		{"InspectImage hook", func() error {
			_, err := f.InspectImage(ctx, "nope:1")
			return err
		}, missing.Error()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if err == nil || err.Error() != tt.want {
				t.Errorf("%s got error %v, want %q", tt.name, err, tt.want)
			}
		})
	}
}
