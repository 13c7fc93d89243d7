package main

import (
	"testing"

	"github.com/berth-dev/berth/engine"
)

const volumesCompose = `
services:
  web:
    image: app:latest
    volumes: ["cache:/cache"]
  db:
    image: app:latest
    volumes: ["data:/var/lib/data", "./conf:/conf"]
volumes:
  data: {}
  cache: {}
`

func TestVolumes(t *testing.T) {
	h := newHarness(t, volumesCompose)
	h.mustRun(0, "up", "-d")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"all", []string{"volumes"}, "DRIVER    VOLUME NAME\nlocal     shop_cache\nlocal     shop_data\n"},
		{"by service", []string{"volumes", "db"}, "DRIVER    VOLUME NAME\nlocal     shop_data\n"},
		{"quiet", []string{"volumes", "-q"}, "shop_cache\nshop_data\n"},
		{"json", []string{"volumes", "--format", "json", "web"},
			`{"Driver":"local","Labels":"com.docker.compose.project=shop,com.docker.compose.version=` + engine.ComposeVersion + `,com.docker.compose.volume=cache","Name":"shop_cache"}` + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, _ := h.mustRun(0, tt.args...)
			if stdout != tt.want {
				t.Errorf("berth %v\ngot  %q\nwant %q", tt.args, stdout, tt.want)
			}
		})
	}
	if code, _, stderr := h.run("volumes", "--format", "yaml"); code != 1 || stderr == "" {
		t.Errorf("volumes --format yaml got %d %q, want 1 and an error", code, stderr)
	}
}
