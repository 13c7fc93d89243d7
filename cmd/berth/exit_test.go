package main

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/fake"
)

// TestFailureMessages runs up into failures against the fake and checks
// that each is printed once, as "berth: <message>", saying what failed,
// without naming an operation twice in a row: the engine names the
// operation, reconcile the service, and nothing in between rewrites the
// text.
func TestFailureMessages(t *testing.T) {
	healthy := `
services:
  web:
    image: app:latest
    depends_on:
      db: {condition: service_healthy}
  db:
    image: app:latest
    healthcheck: {test: ["CMD", "true"]}
`
	tests := []struct {
		name    string
		compose string
		setup   func(*harness)
		want    string
		code    int // 0 means 1
	}{
		{
			name:    "missing image",
			compose: "services:\n  web:\n    image: nope:1\n",
			want:    `berth: service "web": pull nope:1: manifest for nope:1 not found: manifest unknown; check the image name and tag in the compose file, or push the image to its registry`,
			code:    exitPullFailure,
		},
		{
			// The hook returns the cause alone, as engine/docker's
			// NameConflictError reads; the fake names the operation.
			name:    "name conflict",
			compose: shopCompose,
			setup: func(h *harness) {
				h.f.Hooks.CreateContainer = func(_ context.Context, spec engine.ContainerSpec) error {
					if spec.Name != "shop-web-1" {
						return nil
					}
					return fmt.Errorf(`container name %q is already used by container 4f0a1b2c3d4e that is not part of project "shop": remove or rename it: %w`,
						spec.Name, engine.ErrConflict)
				}
			},
			want: `berth: service "web": create container shop-web-1: container name "shop-web-1" is already used by container 4f0a1b2c3d4e that is not part of project "shop": remove or rename it: conflict`,
		},
		{
			name:    "unhealthy dependency",
			compose: healthy,
			setup: func(h *harness) {
				h.f = fake.New().
					WithImage(engine.Image{Tags: []string{"app:latest"}}).
					WithStartHealth(func(engine.ContainerSpec) (string, []string) { return "unhealthy", []string{"probe failed"} }).
					Build()
			},
			want: `berth: service "web": dependency "db" is unhealthy: probe failed`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, tt.compose)
			if tt.setup != nil {
				tt.setup(h)
			}
			want := tt.code
			if want == 0 {
				want = 1
			}
			code, _, stderr := h.run("--progress", "plain", "up", "-d")
			if code != want {
				t.Fatalf("up -d (%s) got exit %d, want %d\nstderr:\n%s", tt.name, code, want, stderr)
			}
			var final []string
			for _, line := range strings.Split(stderr, "\n") {
				if strings.HasPrefix(line, "berth: ") {
					final = append(final, line)
				}
				if d := doubled(line); d != "" {
					t.Errorf("up -d (%s) printed %q twice in a row in:\n%s", tt.name, d, line)
				}
			}
			if len(final) != 1 || final[0] != tt.want {
				t.Errorf("up -d (%s) got messages %q, want exactly [%q]\nstderr:\n%s", tt.name, final, tt.want, stderr)
			}
		})
	}
}

// doubled returns the operation ("create container") that two consecutive
// segments of line name, as in "create container x: create container y",
// or the advice "not found locally" given twice; "" when there is none. A
// segment's operation is the two words before its last: that also finds
// it behind progress's "Container shop-web-1  Error  ".
func doubled(line string) string {
	if strings.Count(line, "not found locally") > 1 {
		return "not found locally"
	}
	segs := strings.Split(line, ": ")
	for i := 1; i < len(segs); i++ {
		a, b := strings.Fields(segs[i-1]), strings.Fields(segs[i])
		if len(a) < 3 || len(b) < 3 {
			continue
		}
		if op := strings.Join(a[len(a)-3:len(a)-1], " "); op == strings.Join(b[:2], " ") {
			return op
		}
	}
	return ""
}
