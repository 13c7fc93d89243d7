package ocispec

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// TestProcess: an exec gets the container's environment, user and working
// directory unless it names its own, and the command as given.
func TestProcess(t *testing.T) {
	rootfs, err := filepath.Abs(filepath.Join("testdata", "rootfs"))
	if err != nil {
		t.Fatal(err)
	}
	v := func(s string) *string { return &s }
	in := Input{
		Service: types.ServiceConfig{
			Name: "web", User: "app", WorkingDir: "/srv",
			Environment: types.MappingWithEquals{"MODE": v("prod")},
			CapAdd:      []string{"NET_ADMIN"}, CapDrop: []string{"ALL"},
			SecurityOpt: []string{"no-new-privileges"},
			Ulimits:     map[string]*types.UlimitsConfig{"nofile": {Single: 100}},
			Entrypoint:  types.ShellCommand{"/entry"},
		},
		Image:    v1.Config{Env: []string{"PATH=/opt/bin", "LANG=C"}, Cmd: []string{"serve"}},
		Rootfs:   rootfs,
		Hostname: "web-1",
	}
	caps := &specs.LinuxCapabilities{Bounding: []string{"CAP_NET_ADMIN"}, Effective: []string{"CAP_NET_ADMIN"}, Permitted: []string{"CAP_NET_ADMIN"}}
	rl := []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Soft: 100, Hard: 100}}
	for _, tc := range []struct {
		name          string
		cmd, env      []string
		user, workdir string
		tty           bool
		want          specs.Process
	}{
		{
			name: "container defaults",
			cmd:  []string{"sh"},
			want: specs.Process{
				User: specs.User{UID: 1000, GID: 1000, AdditionalGids: []uint32{1000, 10, 29}},
				Args: []string{"sh"}, Cwd: "/srv",
				Env:          []string{"PATH=/opt/bin", "HOSTNAME=web-1", "MODE=prod", "LANG=C", "HOME=/home/app"},
				Capabilities: caps, NoNewPrivileges: true, Rlimits: rl,
			},
		},
		{
			name: "own user, workdir, env and tty",
			cmd:  []string{"ls", "-l"}, env: []string{"MODE=debug", "LANG", "EXTRA=1", "HOME=/tmp"},
			user: "0:50", workdir: "/tmp", tty: true,
			want: specs.Process{
				Terminal: true,
				User:     specs.User{UID: 0, GID: 50, AdditionalGids: []uint32{50}},
				Args:     []string{"ls", "-l"}, Cwd: "/tmp",
				Env:          []string{"PATH=/opt/bin", "HOSTNAME=web-1", "TERM=xterm", "MODE=debug", "EXTRA=1", "HOME=/tmp"},
				Capabilities: caps, NoNewPrivileges: true, Rlimits: rl,
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Process(in, tc.cmd, tc.env, tc.user, tc.workdir, tc.tty)
			if err != nil {
				t.Fatalf("Process: %v", err)
			}
			if diff := cmp.Diff(tc.want, *got); diff != "" {
				t.Errorf("Process (-want +got):\n%s", diff)
			}
		})
	}
	if _, err := Process(in, nil, nil, "", "", false); err == nil || !strings.Contains(err.Error(), "no command") {
		t.Errorf("Process without a command = %v, want an error saying so", err)
	}
	if _, err := Process(in, []string{"sh"}, nil, "ghost", "", false); err == nil || !strings.Contains(err.Error(), `user "ghost"`) {
		t.Errorf("Process as an unknown user = %v, want an error naming it", err)
	}
}

// TestResolveUserSymlinks: an image's /etc/passwd reached through an
// absolute symlink is read inside the image, and a symlink that climbs out
// of the root stays inside it (here: finds nothing) instead of reading the
// host's file.
func TestResolveUserSymlinks(t *testing.T) {
	top := t.TempDir()
	if err := os.MkdirAll(filepath.Join(top, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(top, "etc", "host-group"), []byte("root:x:0:\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(top, "a", "b", "rootfs")
	mustWrite := func(p, content string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(filepath.Join(root, p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, p), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	mustWrite("usr/share/base/passwd", "web:x:33:33::/var/www:/bin/sh\n")
	mustWrite("etc/.keep", "")
	if err := os.Symlink("/usr/share/base/passwd", filepath.Join(root, "etc", "passwd")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../../../../etc/host-group", filepath.Join(root, "etc", "group")); err != nil {
		t.Fatal(err)
	}
	u, home, err := resolveUser(root, "web", nil)
	if err != nil {
		t.Fatalf("resolveUser: %v", err)
	}
	want := specs.User{UID: 33, GID: 33, AdditionalGids: []uint32{33}}
	if diff := cmp.Diff(want, u); diff != "" || home != "/var/www" {
		t.Errorf("resolveUser = %+v, %q (-want +got):\n%s", u, home, diff)
	}
	// /etc/group climbs to /etc/host-group, which exists only outside
	// the root: no group file, so a group name cannot resolve.
	if _, _, err := resolveUser(root, "web:root", nil); err == nil || !strings.Contains(err.Error(), "unable to find group root") {
		t.Errorf("resolveUser(web:root) = %v, want the group not found", err)
	}
	// No passwd at all: root by default, numeric ids as given.
	empty := t.TempDir()
	if u, home, err := resolveUser(empty, "", nil); err != nil || u.UID != 0 || home != "/" {
		t.Errorf("resolveUser in an empty root = %+v, %q, %v; want uid 0, home /", u, home, err)
	}
	if u, _, err := resolveUser(empty, "5:6", []string{"7"}); err != nil || u.UID != 5 || u.GID != 6 || !cmp.Equal(u.AdditionalGids, []uint32{6, 7}) {
		t.Errorf("resolveUser(5:6) in an empty root = %+v, %v", u, err)
	}
}
