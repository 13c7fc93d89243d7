package reconcile

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/fake"
)

// TestApplyErrorContext checks who says what in an error: the engine names
// its operation and resource, Apply adds the service and, for a recreate,
// that the container was being replaced; nothing is said twice.
func TestApplyErrorContext(t *testing.T) {
	boom := errors.New("boom")
	changed := edit(t, shop, "example/api:1.4", "example/api:1.5")
	tests := []struct {
		name string
		// seed runs shop's first up when set, so that yaml recreates.
		seed bool
		yaml string
		fail func(f *fake.Engine)
		// want is the error; "<web>" stands for web's short container ID.
		want string
	}{
		{
			name: "network create",
			yaml: shop,
			fail: func(f *fake.Engine) {
				f.Hooks.CreateNetwork = func(context.Context, engine.NetworkSpec) error { return boom }
			},
			want: "create network shop_default: boom",
		},
		{
			name: "container start",
			yaml: shop,
			fail: func(f *fake.Engine) {
				f.Hooks.StartContainer = func(ctx context.Context, id string) error {
					if c, err := f.InspectContainer(ctx, id); err == nil && c.Name == "shop-web-1" {
						return boom
					}
					return nil
				}
			},
			want: `service "web": start container <web>: boom`,
		},
		{
			name: "recreate stop",
			seed: true,
			yaml: changed,
			fail: func(f *fake.Engine) {
				f.Hooks.StopContainer = func(context.Context, string, *time.Duration) error { return boom }
			},
			want: `service "web": recreate shop-web-1: stop container <web>: boom`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake()
			if tt.seed {
				up(t, f, shop, UpOptions{})
			}
			tt.fail(f)
			err := applyUp(t, f, tt.yaml, ApplyOptions{})
			web := ""
			for _, c := range observe(t, f).Containers {
				if c.Name == "shop-web-1" {
					web = c.ID[:12]
				}
			}
			want := tt.want
			if web != "" {
				want = strings.ReplaceAll(want, "<web>", web)
			}
			if err == nil || err.Error() != want || !errors.Is(err, boom) {
				t.Errorf("Apply(%s) got error %v, want %q", tt.name, err, want)
			}
		})
	}
}
