package ocispec

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/google/go-cmp/cmp"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth-dev/berth/engine"
)

func TestParseDeviceCgroupRule(t *testing.T) {
	num := func(n int64) *int64 { return &n }
	for _, tc := range []struct {
		rule string
		want specs.LinuxDeviceCgroup
		err  string // in the error; "" for none
	}{
		{rule: "c 10:200 rwm", want: specs.LinuxDeviceCgroup{Allow: true, Type: "c", Major: num(10), Minor: num(200), Access: "rwm"}},
		{rule: "b 7:* rmw", want: specs.LinuxDeviceCgroup{Allow: true, Type: "b", Major: num(7), Access: "rmw"}},
		{rule: "c *:3 r", want: specs.LinuxDeviceCgroup{Allow: true, Type: "c", Minor: num(3), Access: "r"}},
		{rule: "a *:* rwm", want: specs.LinuxDeviceCgroup{Allow: true, Type: "a", Access: "rwm"}},
		{rule: "c 0:0 m", want: specs.LinuxDeviceCgroup{Allow: true, Type: "c", Major: num(0), Minor: num(0), Access: "m"}},
		// dockerd's pattern takes repeats; so do we.
		{rule: "c 1:3 rr", want: specs.LinuxDeviceCgroup{Allow: true, Type: "c", Major: num(1), Minor: num(3), Access: "rr"}},
		{rule: "", err: "three fields"},
		{rule: "c 10:200", err: "three fields"},
		{rule: "c  10:200 rwm", err: "three fields"},
		{rule: "c 10:200 rwm extra", err: "three fields"},
		{rule: "x 10:200 rwm", err: `type "x"`},
		{rule: "C 10:200 rwm", err: `type "C"`},
		{rule: "c 10 rwm", err: `"10" is not MAJOR:MINOR`},
		{rule: "c -1:200 rwm", err: `major "-1": not a number`},
		{rule: "c 10:2x rwm", err: `minor "2x": not a number`},
		{rule: "c 10: rwm", err: `minor "": not a number`},
		{rule: "c 99999999999999999999:1 rwm", err: "out of range"},
		{rule: "c 10:200 rwx", err: `access "rwx"`},
		{rule: "c 10:200 rwmr", err: `access "rwmr"`},
		{rule: "c 10:200 -", err: `access "-"`},
	} {
		t.Run(tc.rule, func(t *testing.T) {
			got, err := parseDeviceCgroupRule(tc.rule)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("parseDeviceCgroupRule(%q) got error %v, want one containing %q", tc.rule, err, tc.err)
				}
				for _, w := range []string{"device_cgroup_rules", fmt.Sprintf("%q", tc.rule), `"c 10:200 rwm"`} {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("parseDeviceCgroupRule(%q) error %q does not name %s", tc.rule, err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("parseDeviceCgroupRule(%q) got error %v", tc.rule, err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("parseDeviceCgroupRule(%q) (-want +got):\n%s", tc.rule, diff)
			}
		})
	}
}

// requireMknod skips t unless it may create device nodes: as root, or
// under CI, where not being root fails the test.
func requireMknod(t *testing.T) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	if os.Getenv("CI") == "" {
		t.Skip("creating device nodes needs root (set CI=1 to make this a failure)")
	}
	t.Fatal("creating device nodes needs root")
}

// mknod creates a device node at path, making its directory.
func mknod(t *testing.T, path string, typ uint32, major, minor uint32, perm uint32) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mknod(path, typ|perm, int(unix.Mkdev(major, minor))); err != nil {
		t.Fatalf("mknod %s: %v", path, err)
	}
	// The umask may have taken bits off.
	if err := os.Chmod(path, os.FileMode(perm)); err != nil {
		t.Fatal(err)
	}
}

// devicesView is what a test compares of serviceDevices' result: each
// node as "PATH TYPE MAJOR:MINOR MODE UID:GID" and each rule as docker
// writes them, "TYPE MAJOR:MINOR ACCESS".
func devicesView(devs []specs.LinuxDevice, rules []specs.LinuxDeviceCgroup) []string {
	var out []string
	for _, d := range devs {
		out = append(out, fmt.Sprintf("%s %s %d:%d %o %d:%d", d.Path, d.Type, d.Major, d.Minor, *d.FileMode, *d.UID, *d.GID))
	}
	n := func(p *int64) string {
		if p == nil {
			return "*"
		}
		return fmt.Sprint(*p)
	}
	for _, r := range rules {
		if !r.Allow {
			out = append(out, "deny!")
		}
		out = append(out, fmt.Sprintf("rule %s %s:%s %s", r.Type, n(r.Major), n(r.Minor), r.Access))
	}
	return out
}

// TestServiceDevices turns devices and device_cgroup_rules into nodes and
// rules as dockerd does, and refuses, naming the entry and what to do, a
// path that is missing, relative or no device, and bad permissions.
func TestServiceDevices(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "file"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "empty"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/dev/null", filepath.Join(dir, "null-link")); err != nil {
		t.Fatal(err)
	}
	dev := func(src, dst, perms string) types.DeviceMapping {
		return types.DeviceMapping{Source: src, Target: dst, Permissions: perms}
	}
	for _, tc := range []struct {
		name       string
		devices    []types.DeviceMapping
		rules      []string
		privileged bool
		want       []string // devicesView
		err        []string // all in the error
	}{
		{name: "none"},
		{name: "char device", devices: []types.DeviceMapping{dev("/dev/null", "/dev/null", "rwm")},
			want: []string{"/dev/null c 1:3 666 0:0", "rule c 1:3 rwm"}},
		{name: "other target and permissions", devices: []types.DeviceMapping{dev("/dev/zero", "/dev/z0", "r")},
			want: []string{"/dev/z0 c 1:5 666 0:0", "rule c 1:5 r"}},
		{name: "long syntax defaults", devices: []types.DeviceMapping{{Source: "/dev/full"}},
			want: []string{"/dev/full c 1:7 666 0:0", "rule c 1:7 rwm"}},
		{name: "symbolic link followed", devices: []types.DeviceMapping{dev(filepath.Join(dir, "null-link"), "/dev/n", "rw")},
			want: []string{"/dev/n c 1:3 666 0:0", "rule c 1:3 rw"}},
		{name: "devices then rules", devices: []types.DeviceMapping{dev("/dev/null", "/dev/null", "rwm")}, rules: []string{"b 7:* rw", "a *:* m"},
			want: []string{"/dev/null c 1:3 666 0:0", "rule c 1:3 rwm", "rule b 7:* rw", "rule a *:* m"}},
		{name: "privileged: not looked up", privileged: true,
			devices: []types.DeviceMapping{dev("/dev/berth-no-such-device", "/dev/x", "rwm")}, rules: []string{"c 10:200 rwm"}},
		{name: "privileged: form still checked", privileged: true,
			devices: []types.DeviceMapping{dev("/dev/null", "/dev/null", "rwx")}, rules: []string{"c 10:200"},
			err: []string{`devices: "/dev/null:/dev/null:rwx": permissions "rwx"`, `device_cgroup_rules: "c 10:200"`}},
		{name: "missing", devices: []types.DeviceMapping{dev("/dev/berth-no-such-device", "/dev/x", "rwm")},
			err: []string{`devices: "/dev/berth-no-such-device:/dev/x:rwm"`, "no such file or directory", "fix the path or remove the entry"}},
		{name: "regular file", devices: []types.DeviceMapping{dev(filepath.Join(dir, "file"), "/dev/x", "rwm")},
			err: []string{filepath.Join(dir, "file"), "not a character or block device", "name a device node such as /dev/fuse"}},
		{name: "directory without devices", devices: []types.DeviceMapping{dev(filepath.Join(dir, "empty"), "/dev/x", "rwm")},
			err: []string{filepath.Join(dir, "empty"), "the directory holds no device nodes"}},
		{name: "relative source", devices: []types.DeviceMapping{dev("dev/null", "/dev/null", "rwm")},
			err: []string{`host path "dev/null" is not absolute`}},
		{name: "relative target", devices: []types.DeviceMapping{dev("/dev/null", "rw", "rwm")},
			err: []string{`container path "rw" is not absolute`, "HOST_PATH[:CONTAINER_PATH[:PERMISSIONS]]"}},
		{name: "bad permissions", devices: []types.DeviceMapping{dev("/dev/null", "/dev/null", "rwa")},
			err: []string{`permissions "rwa": only r, w and m`}},
		{name: "repeated permission", devices: []types.DeviceMapping{dev("/dev/null", "/dev/null", "rr")},
			err: []string{`permissions "rr"`, "each at most once"}},
		{name: "every bad entry", devices: []types.DeviceMapping{dev("/dev/berth-no-such-device", "/dev/x", "rwm"), dev("/dev/null", "/dev/null", "rwm")},
			rules: []string{"c 1:3 rwm", "z 1:3 rwm"},
			err:   []string{"/dev/berth-no-such-device", `"z 1:3 rwm"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := types.ServiceConfig{Name: "web", Devices: tc.devices, DeviceCgroupRules: tc.rules, Privileged: tc.privileged}
			devs, rules, err := serviceDevices(s)
			if len(tc.err) > 0 {
				if err == nil {
					t.Fatalf("serviceDevices got nil error, want one containing %q", tc.err)
				}
				for _, w := range tc.err {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("serviceDevices got error %q, want it to contain %q", err, w)
					}
				}
				if errors.Is(err, engine.ErrUnsupported) {
					t.Errorf("a mistake in the file is reported as the engine's limit: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("serviceDevices got error %v", err)
			}
			if diff := cmp.Diff(tc.want, devicesView(devs, rules)); diff != "" {
				t.Errorf("serviceDevices (-want +got):\n%s", diff)
			}
		})
	}
}

// TestServiceDevicesDirectory gives every device node below a directory,
// as docker does for /dev/snd, each at the target plus its path below the
// directory with the host's mode and owner; anything else is skipped.
func TestServiceDevicesDirectory(t *testing.T) {
	requireMknod(t)
	dir := filepath.Join(t.TempDir(), "snd")
	mknod(t, filepath.Join(dir, "controlC0"), unix.S_IFCHR, 116, 7, 0o660)
	mknod(t, filepath.Join(dir, "by-path", "pcmC0D0p"), unix.S_IFCHR, 116, 16, 0o600)
	mknod(t, filepath.Join(dir, "disk"), unix.S_IFBLK, 7, 9, 0o640)
	if err := os.Chown(filepath.Join(dir, "disk"), 12, 34); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "notes"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	// A link below the directory is not followed, as dockerd's walk.
	if err := os.Symlink("/dev/null", filepath.Join(dir, "null")); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(filepath.Dir(dir), "snd-link")
	if err := os.Symlink(dir, link); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"/dev/snd/by-path/pcmC0D0p c 116:16 600 0:0",
		"/dev/snd/controlC0 c 116:7 660 0:0",
		"/dev/snd/disk b 7:9 640 12:34",
		"rule c 116:16 rw",
		"rule c 116:7 rw",
		"rule b 7:9 rw",
	}
	for _, src := range []string{dir, link} {
		t.Run(filepath.Base(src), func(t *testing.T) {
			s := types.ServiceConfig{Name: "web", Devices: []types.DeviceMapping{{Source: src, Target: "/dev/snd", Permissions: "rw"}}}
			devs, rules, err := serviceDevices(s)
			if err != nil {
				t.Fatalf("serviceDevices got error %v", err)
			}
			if diff := cmp.Diff(want, devicesView(devs, rules)); diff != "" {
				t.Errorf("serviceDevices (-want +got):\n%s", diff)
			}
		})
	}
}
