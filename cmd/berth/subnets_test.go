package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// subnetsCompose has one network that takes a pool subnet and one with its own.
const subnetsCompose = `
services:
  web:
    image: app:latest
    networks: [default, fixed]
networks:
  fixed:
    ipam:
      config: [{subnet: 192.0.2.0/24}]
`

func (h *harness) subnets() string {
	h.t.Helper()
	got, err := h.f.Subnets(context.Background())
	if err != nil {
		h.t.Fatal(err)
	}
	var out []string
	for _, s := range got {
		out = append(out, s.String())
	}
	return strings.Join(out, " ")
}

func TestUpSubnetPool(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		want string // the engine's subnets after up
	}{
		{"default pool", nil, "10.199.0.0/24 192.0.2.0/24"},
		{"own pool and size", map[string]string{"BERTH_SUBNET_POOL": "10.77.0.0/16", "BERTH_SUBNET_SIZE": "26"}, "10.77.0.0/26 192.0.2.0/24"},
		{"off", map[string]string{"BERTH_SUBNET_POOL": "off"}, "192.0.2.0/24"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, subnetsCompose)
			for k, v := range tc.env {
				h.env[k] = v
			}
			h.mustRun(0, "up", "-d")
			if got := h.subnets(); got != tc.want {
				t.Errorf("subnets after up -d got %s, want %s", got, tc.want)
			}
			// The subnet is not configuration: a second up changes nothing.
			h.f.ResetCalls()
			h.mustRun(0, "up", "-d")
			if m := h.f.Mutations(); len(m) != 0 {
				t.Errorf("second up -d made changes %v, want none", m)
			}
		})
	}
}

func TestPlanShowsSubnetPool(t *testing.T) {
	h := newHarness(t, subnetsCompose)
	stdout, _ := h.mustRun(0, "plan")
	want := "subnet-pool: its subnet is the first free /24 of berth's pool 10.199.0.0/16, picked when applied"
	if !strings.Contains(stdout, want) || strings.Count(stdout, "subnet-pool:") != 1 {
		t.Errorf("plan printed\n%s\nwant %q once, for shop_default only", stdout, want)
	}
}

func TestUpBadSubnetPool(t *testing.T) {
	for _, env := range []map[string]string{
		{"BERTH_SUBNET_POOL": "10.199.0.0"},
		{"BERTH_SUBNET_POOL": "10.199.0.0/16", "BERTH_SUBNET_SIZE": "8"},
	} {
		h := newHarness(t, subnetsCompose)
		for k, v := range env {
			h.env[k] = v
		}
		code, _, stderr := h.run("up", "-d")
		if code != 1 || !strings.Contains(stderr, "BERTH_SUBNET_POOL") {
			t.Errorf("up -d with %v got exit %d stderr %q, want 1 and a message naming BERTH_SUBNET_POOL", env, code, stderr)
		}
		if m := h.f.Mutations(); len(m) != 0 {
			t.Errorf("up -d with %v made changes %v, want none", env, m)
		}
	}
}

// TestUpSubnetLockFile: the host-wide lock lives beside the project locks.
func TestUpSubnetLockFile(t *testing.T) {
	h := newHarness(t, subnetsCompose)
	h.mustRun(0, "up", "-d")
	if _, err := os.Stat(filepath.Join(h.env["XDG_RUNTIME_DIR"], "berth", "host.subnets.lock")); err != nil {
		t.Errorf("subnet lock file: %v", err)
	}
}
