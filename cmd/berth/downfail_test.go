package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/fake"
)

// treeCompose is bench's stack in small: service i depends on (i-1)/2, all
// on network back, every third also on front, every fifth mounting a named
// volume, and both networks with explicit subnets.
func treeCompose(n int) string {
	var b strings.Builder
	b.WriteString("services:\n")
	for i := range n {
		fmt.Fprintf(&b, "  svc%03d:\n    image: app:latest\n", i)
		if i > 0 {
			fmt.Fprintf(&b, "    depends_on: [svc%03d]\n", (i-1)/2)
		}
		if i%3 == 0 {
			b.WriteString("    networks: [back, front]\n")
		} else {
			b.WriteString("    networks: [back]\n")
		}
		if i%5 == 0 {
			b.WriteString("    volumes: [\"data:/data\"]\n")
		}
	}
	b.WriteString(`networks:
  back:
    ipam:
      config: [{subnet: 10.231.0.0/24}]
  front:
    ipam:
      config: [{subnet: 10.231.1.0/24}]
volumes:
  data: {}
`)
	return b.String()
}

// TestDownStrandedNetworkRemovesEverythingElse reproduces the bench's
// failed down of 50 services: dockerd refuses to remove a network although
// no container uses it (moby/moby#43286). Every container, the other
// network, the volume and the lease still go; down then fails as docker
// compose does (exit 1), with dockerd's words and what frees the network.
func TestDownStrandedNetworkRemovesEverythingElse(t *testing.T) {
	h := newHarness(t, treeCompose(50))
	lease := engine.Container{Name: "shop-berth-reaper", Image: "app:latest", State: "running",
		Labels: map[string]string{engine.LabelLease: "shop"}}
	h.f = fake.New().WithImage(engine.Image{Tags: []string{"app:latest"}}).WithContainer(lease).Build()
	h.mustRun(0, "up", "-d")
	if got := len(h.containers()); got != 50 {
		t.Fatalf("up -d got %d containers, want 50", got)
	}
	h.f.Hooks.RemoveNetwork = func(_ context.Context, id string) error {
		if n, err := h.f.InspectNetwork(context.Background(), id); err == nil && n.Name == "shop_back" {
			return engine.ErrActiveEndpoints
		}
		return nil
	}
	start := time.Now()
	_, stderr := h.mustRun(1, "down", "-v")
	t.Logf("down took %v", time.Since(start))
	if got := h.containers(); len(got) != 0 {
		t.Errorf("after a stranded down got %d containers left, want none: %v", len(got), got)
	}
	if got := h.volumes(); len(got) != 0 {
		t.Errorf("after a stranded down -v got volumes %v, want none", got)
	}
	nets, err := h.f.Networks(context.Background(), "shop")
	if err != nil {
		t.Fatal(err)
	}
	if len(nets) != 1 || nets[0].Name != "shop_back" {
		t.Errorf("after a stranded down got networks %v, want only the stranded shop_back", nets)
	}
	if _, err := h.f.InspectContainer(context.Background(), "shop-berth-reaper"); !errors.Is(err, engine.ErrNotFound) {
		t.Errorf("a down that failed only on a stranded network left the lease: %v", err)
	}
	last := lastLine(stderr)
	for _, want := range []string{"network shop_back has active endpoints", "moby/moby#43286", "systemctl restart docker"} {
		if !strings.Contains(last, want) {
			t.Errorf("down's last line %q lacks %q; stderr:\n%s", last, want, stderr)
		}
	}
}

// TestDownRemovesEveryContainerItCan: one container that will not stop
// is removed by force all the same, and one that will not go keeps neither
// the others nor the networks from being removed (the engine lets a
// network go while a stopped container is attached); down then fails
// naming the container.
func TestDownRemovesEveryContainerItCan(t *testing.T) {
	for _, tt := range []struct {
		name  string
		hooks func(h *fake.Hooks, stuck string)
		left  []string
	}{
		{"stop fails", func(h *fake.Hooks, stuck string) {
			h.StopContainer = func(_ context.Context, id string, _ *time.Duration) error {
				if id == stuck {
					return errors.New("boom")
				}
				return nil
			}
		}, nil},
		{"remove fails", func(h *fake.Hooks, stuck string) {
			h.RemoveContainer = func(_ context.Context, id string, _ engine.RemoveOptions) error {
				if id == stuck {
					return errors.New("boom")
				}
				return nil
			}
		}, []string{"shop-svc003-1"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, treeCompose(7))
			h.mustRun(0, "up", "-d")
			// svc003 is a leaf: it goes first, before the services it
			// depends on.
			tt.hooks(&h.f.Hooks, h.containerID("shop-svc003-1"))
			_, stderr := h.mustRun(1, "down")
			got := slices.Sorted(maps.Keys(h.containers()))
			if !slices.Equal(got, tt.left) {
				t.Errorf("after down got containers %v, want %v", got, tt.left)
			}
			if nets, err := h.f.Networks(context.Background(), "shop"); err != nil || len(nets) != 0 {
				t.Errorf("after down got networks %v (%v), want none", nets, err)
			}
			if !strings.Contains(stderr, `service "svc003"`) || !strings.Contains(stderr, "boom") {
				t.Errorf("down's stderr does not name the failed container:\n%s", stderr)
			}
		})
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}
