package reconcile

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/engine"
)

// TestDownClearsStaleEndpoint: a network left with the endpoint of a
// removed container (moby/moby#43286) is freed by force-disconnecting the
// endpoint by name, and removed.
func TestDownClearsStaleEndpoint(t *testing.T) {
	f := newFake()
	up(t, f, shop, UpOptions{})
	if err := f.AddStaleEndpoint("shop_default", engine.NetworkEndpoint{ContainerID: strings.Repeat("d", 64), Name: "shop-gone-1"}); err != nil {
		t.Fatal(err)
	}
	plan, err := PlanDown(load(t, shop), observe(t, f), DownOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := Apply(context.Background(), plan, f, ApplyOptions{StateDir: t.TempDir(), PollInterval: time.Millisecond}); err != nil {
		t.Fatalf("Apply(down, stale endpoint): %v", err)
	}
	if n := observe(t, f).Networks; len(n) != 0 {
		t.Errorf("after down with a stale endpoint got networks %v, want none", n)
	}
}

// TestDownStrandedNetwork: an endpoint the engine will not name cannot be
// cleared; down fails naming the network and what frees it.
func TestDownStrandedNetwork(t *testing.T) {
	f := newFake()
	up(t, f, shop, UpOptions{})
	if err := f.AddStaleEndpoint("shop_default", engine.NetworkEndpoint{ContainerID: strings.Repeat("d", 64)}); err != nil {
		t.Fatal(err)
	}
	plan, err := PlanDown(load(t, shop), observe(t, f), DownOptions{})
	if err != nil {
		t.Fatal(err)
	}
	err = Apply(context.Background(), plan, f, ApplyOptions{StateDir: t.TempDir(), PollInterval: time.Millisecond})
	var stranded *StrandedNetworkError
	if !errors.As(err, &stranded) || stranded.Network != "shop_default" || !errors.Is(err, engine.ErrActiveEndpoints) {
		t.Fatalf("Apply(down, unnamed stale endpoint) got %v, want a StrandedNetworkError for shop_default", err)
	}
	for _, want := range []string{"network shop_default has active endpoints", "stranded", "moby/moby#43286", "systemctl restart docker"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Apply(down, unnamed stale endpoint) error %q lacks %q", err, want)
		}
	}
	if cs := observe(t, f).Containers; len(cs) != 0 {
		t.Errorf("after a stranded down got containers %v, want all removed", containerNames(cs))
	}
}

func TestOnlyStranded(t *testing.T) {
	stranded := &StrandedNetworkError{Network: "shop_default"}
	boom := errors.New("boom")
	for _, tt := range []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"stranded", stranded, true},
		{"wrapped", fmt.Errorf("down: %w", stranded), true},
		{"two stranded", errors.Join(stranded, &StrandedNetworkError{Network: "shop_back"}), true},
		{"stranded and another failure", errors.Join(stranded, boom), false},
		{"other failure", boom, false},
		{"engine's active endpoints", engine.ErrActiveEndpoints, false},
	} {
		if got := OnlyStranded(tt.err); got != tt.want {
			t.Errorf("OnlyStranded(%s: %v) = %v, want %v", tt.name, tt.err, got, tt.want)
		}
	}
}
