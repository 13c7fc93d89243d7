package main

import (
	"encoding/json"
	"strings"
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
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, _ := h.mustRun(0, tt.args...)
			if stdout != tt.want {
				t.Errorf("berth %v\ngot  %q\nwant %q", tt.args, stdout, tt.want)
			}
		})
	}
	stdout, _ := h.mustRun(0, "volumes", "--format", "json", "web")
	var got struct{ Availability, Driver, Labels, Mountpoint, Name, Scope string }
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("volumes --format json printed %q: %v", stdout, err)
	}
	if got.Driver != "local" || got.Name != "shop_cache" || !strings.Contains(got.Labels, engine.LabelVolume+"=cache") ||
		got.Scope != "local" || got.Availability != "N/A" || !strings.HasSuffix(got.Mountpoint, "/shop_cache/_data") {
		t.Errorf("volumes --format json web got %+v, want shop_cache, local, with its volume label and docker's fields", got)
	}
	if code, _, stderr := h.run("volumes", "--format", "yaml"); code != 1 || stderr == "" {
		t.Errorf("volumes --format yaml got %d %q, want 1 and an error", code, stderr)
	}
}
