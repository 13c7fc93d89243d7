package reconcile

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/fake"
)

// recreateWeb brings shop up on a fresh engine, then changes web's image so
// that the next up recreates shop-web-1 and nothing else. It returns the
// engine, the changed compose file and web's container before the recreate.
func recreateWeb(t *testing.T) (*fake.Engine, string, engine.Container) {
	t.Helper()
	f := newFake()
	up(t, f, shop, UpOptions{})
	changed := edit(t, shop, "example/api:1.4", "example/api:1.5")
	plan := planUp(t, load(t, changed), observe(t, f), UpOptions{})
	if len(plan.Actions) != 1 || plan.Actions[0].Kind != Recreate || plan.Actions[0].Target.Name != "shop-web-1" {
		t.Fatalf("PlanUp(web image changed) got\n%s\nwant one recreate of shop-web-1", plan)
	}
	return f, changed, containerNamed(t, observe(t, f), "shop-web-1")
}

// isTemporary reports whether a container name is a recreate's temporary one.
func isTemporary(name string) bool { return strings.HasSuffix(name, "_shop-web-1") }

// meet is a hook body that holds mine until other has begun too: closed
// channels mark the two calls as started. Run one after the other, the
// first never sees the second and fails after a timeout instead of hanging.
func meet(ctx context.Context, mine, other chan struct{}, what, with string) error {
	close(mine)
	select {
	case <-other:
		return nil
	case <-time.After(10 * time.Second):
		return fmt.Errorf("%s ran alone, want it at once with %s", what, with)
	case <-ctx.Done():
		return ctx.Err()
	}
}

// wantReplaced checks that web's container old has given way to a new
// running shop-web-1 and that the engine holds as many containers as
// before, so that nothing of the recreate lingers under another name.
func wantReplaced(t *testing.T, f *fake.Engine, old engine.Container, before int, after string) {
	t.Helper()
	s := observe(t, f)
	if len(s.Containers) != before {
		t.Errorf("after %s got containers %v, want %d", after, containerNames(s.Containers), before)
	}
	if now := containerNamed(t, s, "shop-web-1"); now.ID == old.ID || now.State != "running" {
		t.Errorf("after %s shop-web-1 got %.12s (%s), want a new running container", after, now.ID, now.State)
	}
}

// TestApplyRecreateOverlapsCreateAndStop holds the replacement's create
// and the old container's stop each until the other has begun: run one
// after the other, the first never sees the second and the test fails
// after a timeout instead of hanging.
func TestApplyRecreateOverlapsCreateAndStop(t *testing.T) {
	f, changed, old := recreateWeb(t)
	creating, stopping := make(chan struct{}), make(chan struct{})
	f.Hooks.CreateContainer = func(ctx context.Context, spec engine.ContainerSpec) error {
		if !isTemporary(spec.Name) {
			return nil
		}
		return meet(ctx, creating, stopping, "the create", "the stop")
	}
	f.Hooks.StopContainer = func(ctx context.Context, id string, _ *time.Duration) error {
		if id != old.ID {
			return nil
		}
		return meet(ctx, stopping, creating, "the stop", "the create")
	}
	if err := applyUp(t, f, changed, ApplyOptions{}); err != nil {
		t.Fatalf("Apply(recreate): %v", err)
	}
	now := containerNamed(t, observe(t, f), "shop-web-1")
	if now.ID == old.ID || now.State != "running" {
		t.Errorf("after recreate shop-web-1 got %.12s (%s), want a new running container", now.ID, now.State)
	}
}

// TestApplyRecreateRemovesWhileStarting holds the old container's removal
// and the replacement's start each until the other has begun: removed
// first, as before, the old container would keep the service down for the
// time of its removal, and the test fails after a timeout.
func TestApplyRecreateRemovesWhileStarting(t *testing.T) {
	f, changed, old := recreateWeb(t)
	removing, starting := make(chan struct{}), make(chan struct{})
	f.Hooks.RemoveContainer = func(ctx context.Context, id string, _ engine.RemoveOptions) error {
		if id != old.ID {
			return nil
		}
		return meet(ctx, removing, starting, "the removal", "the start")
	}
	f.Hooks.StartContainer = func(ctx context.Context, id string) error {
		if id == old.ID {
			return nil
		}
		return meet(ctx, starting, removing, "the start", "the removal")
	}
	before := len(observe(t, f).Containers)
	if err := applyUp(t, f, changed, ApplyOptions{}); err != nil {
		t.Fatalf("Apply(recreate): %v", err)
	}
	wantReplaced(t, f, old, before, "recreate")
}

// TestApplyRecreateFailsAfterRetiring fails a recreate once the old
// container has been renamed out of the way: the next up must find the
// service's containers, whatever their names, and leave one.
func TestApplyRecreateFailsAfterRetiring(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name string
		fail func(f *fake.Engine, old string)
	}{
		{"the replacement's rename fails", func(f *fake.Engine, _ string) {
			f.Hooks.RenameContainer = func(_ context.Context, _, name string) error {
				if name == "shop-web-1" {
					return boom
				}
				return nil
			}
		}},
		{"the replacement's start fails", func(f *fake.Engine, old string) {
			f.Hooks.StartContainer = func(_ context.Context, id string) error {
				if id != old {
					return boom
				}
				return nil
			}
		}},
		{"the old container's removal fails", func(f *fake.Engine, old string) {
			f.Hooks.RemoveContainer = func(_ context.Context, id string, _ engine.RemoveOptions) error {
				if id == old {
					return boom
				}
				return nil
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, changed, old := recreateWeb(t)
			before := len(observe(t, f).Containers)
			tt.fail(f, old.ID)
			if err := applyUp(t, f, changed, ApplyOptions{}); !errors.Is(err, boom) {
				t.Fatalf("Apply(%s) got %v, want the injected failure", tt.name, err)
			}
			mustRepair(t, f, changed, "repair")
			wantReplaced(t, f, old, before, "repair")
		})
	}
}

// TestApplyRecreateLeavesNothingHalfDone fails one step of a recreate and
// checks that the old container is left as it was and no replacement
// lingers under its temporary name.
func TestApplyRecreateLeavesNothingHalfDone(t *testing.T) {
	boom := errors.New("boom")
	// failCreate and failStop fail the recreate's own calls only.
	failCreate := func(f *fake.Engine) {
		f.Hooks.CreateContainer = func(_ context.Context, spec engine.ContainerSpec) error {
			if isTemporary(spec.Name) {
				return boom
			}
			return nil
		}
	}
	failStop := func(old string) func(f *fake.Engine) {
		return func(f *fake.Engine) {
			f.Hooks.StopContainer = func(_ context.Context, id string, _ *time.Duration) error {
				if id == old {
					return boom
				}
				return nil
			}
		}
	}
	tests := []struct {
		name    string
		noStart bool
		// stopped stops the old container before planning.
		stopped bool
		// fail injects failures; old is the ID of web's container.
		fail func(f *fake.Engine, old string)
		// wantErr is the error, "" for none; "<old>" stands for the old
		// container's short ID.
		wantErr string
		// wantOld is the old container's state afterwards, "" when it is gone.
		wantOld string
		// untouched is set when the old container must get no call but
		// the stop: neither started again nor removed.
		untouched bool
	}{
		{
			name:    "no failure",
			fail:    func(*fake.Engine, string) {},
			wantOld: "",
		},
		{
			name:    "create fails",
			fail:    func(f *fake.Engine, _ string) { failCreate(f) },
			wantErr: `service "web": recreate shop-web-1: create container <old>_shop-web-1: boom`,
			wantOld: "running",
		},
		{
			name: "image gone",
			fail: func(f *fake.Engine, _ string) {
				f.Hooks.InspectImage = func(_ context.Context, ref string) error {
					return &engine.ImageNotFoundError{Ref: ref}
				}
			},
			wantErr: `service "web": recreate shop-web-1: image "example/api:1.5" not found locally: pull it (berth pull) or load it (docker load)`,
			wantOld: "running",
		},
		{
			name:      "stop fails",
			fail:      func(f *fake.Engine, old string) { failStop(old)(f) },
			wantErr:   `service "web": recreate shop-web-1: stop container <old>: boom`,
			wantOld:   "running",
			untouched: true,
		},
		{
			name: "both fail",
			fail: func(f *fake.Engine, old string) {
				failCreate(f)
				failStop(old)(f)
			},
			wantErr: `service "web": recreate shop-web-1: create container <old>_shop-web-1: boom` + "\n" +
				`stop container <old>: boom`,
			wantOld:   "running",
			untouched: true,
		},
		{
			name: "create and restart fail",
			fail: func(f *fake.Engine, old string) {
				failCreate(f)
				f.Hooks.StartContainer = func(_ context.Context, id string) error {
					if id == old {
						return boom
					}
					return nil
				}
			},
			wantErr: `service "web": recreate shop-web-1: create container <old>_shop-web-1: boom` + "\n" +
				`the old container stays stopped: start container <old>: boom`,
			wantOld: "exited",
		},
		{
			name:      "create fails on a stopped container",
			stopped:   true,
			fail:      func(f *fake.Engine, _ string) { failCreate(f) },
			wantErr:   `service "web": recreate shop-web-1: create container <old>_shop-web-1: boom`,
			wantOld:   "exited",
			untouched: true,
		},
		{
			name:      "create fails without start",
			noStart:   true,
			fail:      func(f *fake.Engine, _ string) { failCreate(f) },
			wantErr:   `service "web": recreate shop-web-1: create container <old>_shop-web-1: boom`,
			wantOld:   "running",
			untouched: true,
		},
		{
			name:      "stop fails without start",
			noStart:   true,
			fail:      func(f *fake.Engine, old string) { failStop(old)(f) },
			wantErr:   `service "web": recreate shop-web-1: stop container <old>: boom`,
			wantOld:   "running",
			untouched: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, changed, old := recreateWeb(t)
			if tt.stopped {
				if err := f.StopContainer(context.Background(), old.ID, nil); err != nil {
					t.Fatal(err)
				}
			}
			tt.fail(f, old.ID)
			f.ResetCalls()
			plan := planUp(t, load(t, changed), observe(t, f), UpOptions{NoStart: tt.noStart})
			err := Apply(context.Background(), plan, f, ApplyOptions{})

			want := strings.ReplaceAll(tt.wantErr, "<old>", old.ID[:12])
			switch {
			case want == "" && err != nil:
				t.Fatalf("Apply(%s) got error %v, want none", tt.name, err)
			case want != "" && (err == nil || err.Error() != want):
				t.Errorf("Apply(%s) got error %v, want %q", tt.name, err, want)
			}
			// "image gone" fails with the engine's own error, the rest with boom.
			if tt.wantErr != "" && !errors.Is(err, boom) && !errors.Is(err, engine.ErrNotFound) {
				t.Errorf("Apply(%s) got error %v, want it to wrap the injected failure", tt.name, err)
			}

			s := observe(t, f)
			gotOld := ""
			for _, c := range s.Containers {
				if c.ID == old.ID {
					gotOld = c.State
					if c.Name != "shop-web-1" {
						t.Errorf("Apply(%s) old container got name %s, want shop-web-1", tt.name, c.Name)
					}
				}
				if isTemporary(c.Name) {
					t.Errorf("Apply(%s) left %s (%s), want no container under a temporary name", tt.name, c.Name, c.State)
				}
			}
			if gotOld != tt.wantOld {
				t.Errorf("Apply(%s) old container got state %q, want %q", tt.name, gotOld, tt.wantOld)
			}
			for _, m := range []string{"StartContainer", "RemoveContainer"} {
				if i := callIndex(f, m, old.ID); tt.untouched && i >= 0 {
					t.Errorf("Apply(%s) got %s(old) at call %d, want the old container untouched", tt.name, m, i)
				}
			}
			if tt.wantErr == "" {
				if again := planUp(t, load(t, changed), s, UpOptions{NoStart: tt.noStart}); !again.Empty() {
					t.Errorf("PlanUp after Apply(%s) got\n%s\nwant nothing to do", tt.name, again)
				}
			}
		})
	}
}

// TestApplyRecreateInterrupted cancels a recreate while its replacement is
// created and the old container stops: nothing is undone, as when a
// recreate is interrupted anywhere else, and the next up repairs it.
func TestApplyRecreateInterrupted(t *testing.T) {
	f, changed, old := recreateWeb(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var once sync.Once
	f.Hooks.StopContainer = func(_ context.Context, id string, _ *time.Duration) error {
		if id == old.ID {
			once.Do(cancel)
		}
		return nil
	}
	f.ResetCalls()
	plan := planUp(t, load(t, changed), observe(t, f), UpOptions{})
	if err := Apply(ctx, plan, f, ApplyOptions{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Apply(cancelled mid-recreate) got %v, want context.Canceled", err)
	}
	if i := callIndex(f, "StartContainer", old.ID); i >= 0 {
		t.Errorf("Apply(cancelled mid-recreate) got StartContainer(old) at call %d, want nothing undone", i)
	}
	f.Hooks = fake.Hooks{}
	if err := applyUp(t, f, changed, ApplyOptions{}); err != nil {
		t.Fatalf("Apply(repair): %v", err)
	}
	if again := planUp(t, load(t, changed), observe(t, f), UpOptions{}); !again.Empty() {
		t.Errorf("PlanUp after repair got\n%s\nwant nothing to do", again)
	}
	for _, c := range observe(t, f).Containers {
		if c.ID == old.ID || isTemporary(c.Name) {
			t.Errorf("containers after repair include %s (%.12s), want neither the old container nor a temporary one", c.Name, c.ID)
		}
	}
}
