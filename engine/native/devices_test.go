package native

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"golang.org/x/sys/unix"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/internal/testimage"
)

// hostLoopDevice returns a loop device node of the host: a block device
// outside docker's default device cgroup whose read of an unbound device
// ends at once, so that opening it tells the cgroup's verdict. It skips t
// (fails it under CI) when the host has none.
func hostLoopDevice(t *testing.T) string {
	t.Helper()
	for i := range 8 {
		p := fmt.Sprintf("/dev/loop%d", i)
		if fi, err := os.Stat(p); err == nil && fi.Mode()&os.ModeDevice != 0 && fi.Mode()&os.ModeCharDevice == 0 {
			return p
		}
	}
	if os.Getenv("CI") == "" {
		t.Skip("the host has no /dev/loopN (set CI=1 to make this a failure)")
	}
	t.Fatal("the host has no /dev/loopN")
	return ""
}

// TestDevices runs containers with devices and device_cgroup_rules under
// runc: the node is in the container with the host's numbers; it opens
// when the entry's permissions or a rule allow reading it, and fails with
// EPERM when only mknod is allowed, so the cgroup rules are the ones the
// file asked for. A directory gives each node below it.
func TestDevices(t *testing.T) {
	e := newTestEngine(t, testimage.Archive(t))
	loop := hostLoopDevice(t)
	var st unix.Stat_t
	if err := unix.Stat(loop, &st); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "net")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// /dev/net/tun's numbers, on a node of the test's own.
	if err := unix.Mknod(filepath.Join(dir, "tun"), unix.S_IFCHR|0o666, int(unix.Mkdev(10, 200))); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	type node struct {
		path         string
		typ          uint32 // unix.S_IFBLK or S_IFCHR
		major, minor uint32
	}
	blk := node{"/dev/blk", unix.S_IFBLK, unix.Major(st.Rdev), unix.Minor(st.Rdev)}
	for i, tc := range []struct {
		name    string
		devices []string
		rules   []string
		nodes   []node
		cat     string // a node to open and read
		catErr  string // in cat's output when it must fail; "" when it must succeed
	}{
		{name: "device", devices: []string{loop + ":/dev/blk"}, nodes: []node{blk}, cat: "/dev/blk"},
		{name: "read only", devices: []string{loop + ":/dev/blk:r"}, nodes: []node{blk}, cat: "/dev/blk"},
		{name: "mknod only", devices: []string{loop + ":/dev/blk:m"}, nodes: []node{blk}, cat: "/dev/blk", catErr: "operation not permitted"},
		{name: "rule", devices: []string{loop + ":/dev/blk:m"}, rules: []string{"b 7:* r"}, nodes: []node{blk}, cat: "/dev/blk"},
		{name: "no device", cat: "/dev/blk", catErr: "no such file or directory"},
		{name: "directory", devices: []string{dir + ":/dev/xnet"}, nodes: []node{{"/dev/xnet/tun", unix.S_IFCHR, 10, 200}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			svc := types.ServiceConfig{Name: "dev", DeviceCgroupRules: tc.rules}
			for _, d := range tc.devices {
				parts := strings.Split(d, ":")
				m := types.DeviceMapping{Source: parts[0], Target: parts[1], Permissions: "rwm"}
				if len(parts) == 3 {
					m.Permissions = parts[2]
				}
				svc.Devices = append(svc.Devices, m)
			}
			// What reconcile.Apply asks before it creates anything.
			if err := e.CheckService(ctx, svc, t.TempDir()); err != nil {
				t.Fatalf("CheckService: %v", err)
			}
			id := runTestContainer(ctx, t, e, fmt.Sprintf("devices%d", i), svc)
			c, err := e.lookup(id)
			if err != nil {
				t.Fatal(err)
			}
			state, err := e.observe(c)
			if err != nil || state.Pid == 0 {
				t.Fatalf("observe %s: pid %d, %v", id, state.Pid, err)
			}
			for _, n := range tc.nodes {
				var got unix.Stat_t
				p := fmt.Sprintf("/proc/%d/root%s", state.Pid, n.path)
				if err := unix.Stat(p, &got); err != nil {
					t.Fatalf("the container has no %s: %v", n.path, err)
				}
				if got.Mode&unix.S_IFMT != n.typ || unix.Major(got.Rdev) != n.major || unix.Minor(got.Rdev) != n.minor {
					t.Errorf("%s in the container: type %o %d:%d, want type %o %d:%d", n.path,
						got.Mode&unix.S_IFMT, unix.Major(got.Rdev), unix.Minor(got.Rdev), n.typ, n.major, n.minor)
				}
			}
			if tc.cat == "" {
				return
			}
			var out bytes.Buffer
			code, err := e.Exec(ctx, id, engine.ExecSpec{Cmd: []string{testimage.Entrypoint, "cat", tc.cat}}, engine.Streams{Stdout: &out, Stderr: &out})
			if err != nil {
				t.Fatalf("exec cat %s: %v", tc.cat, err)
			}
			switch {
			case tc.catErr == "" && code != 0:
				t.Errorf("cat %s: exit %d, want 0: %s", tc.cat, code, out.String())
			case tc.catErr != "" && (code == 0 || !strings.Contains(out.String(), tc.catErr)):
				t.Errorf("cat %s: exit %d, %q, want a failure with %q", tc.cat, code, out.String(), tc.catErr)
			}
		})
	}
}

// TestCheckDevices refuses, before anything is created, a device the host
// does not have and a malformed device cgroup rule, naming the service,
// the key and the entry.
func TestCheckDevices(t *testing.T) {
	e := &Engine{}
	err := e.CheckService(context.Background(), types.ServiceConfig{
		Name:              "dev",
		Devices:           []types.DeviceMapping{{Source: "/dev/berth-no-such-device", Target: "/dev/x", Permissions: "rwm"}},
		DeviceCgroupRules: []string{"c 10 rwm"},
	}, t.TempDir())
	if err == nil {
		t.Fatal("CheckService got nil, want an error")
	}
	for _, w := range []string{`service "dev"`, `devices: "/dev/berth-no-such-device:/dev/x:rwm"`, `device_cgroup_rules: "c 10 rwm"`} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("CheckService got %q, want it to contain %q", err, w)
		}
	}
}
