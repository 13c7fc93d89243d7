package ocispec

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// needRunc skips unless the test can run containers: root, runc and a
// static busybox. Under CI a missing piece fails the test instead.
func needRunc(t *testing.T) string {
	t.Helper()
	missing := ""
	runc, err := exec.LookPath("runc")
	switch {
	case os.Geteuid() != 0:
		missing = "not root"
	case err != nil:
		missing = "no runc on PATH"
	default:
		if _, err := os.Stat("/bin/busybox"); err != nil {
			missing = "no /bin/busybox (apt-get install -y busybox-static)"
		}
	}
	if missing == "" {
		return runc
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("cannot run containers: %s", missing)
	}
	t.Skipf("cannot run containers: %s", missing)
	return ""
}

// TestRuncRun runs specs Build made for a busybox rootfs under runc and
// checks what the process sees: its ids and groups from the image's
// passwd and group files, its working directory, its environment and a
// read-only root with a writable tmpfs; with init and privileged, that
// docker-init is pid 1 and every capability is there; that docker's
// default seccomp profile refuses a new user namespace (which needs no
// capability, so only the filter stops it) and seccomp=unconfined allows
// it.
func TestRuncRun(t *testing.T) {
	runc := needRunc(t)
	for _, tc := range []struct {
		name string
		svc  types.ServiceConfig
		want []string
	}{
		{
			name: "user workdir env read-only",
			svc: types.ServiceConfig{
				User:       "app",
				WorkingDir: "/work",
				ReadOnly:   true,
				Tmpfs:      []string{"/tmp"},
				Command: types.ShellCommand{"sh", "-c",
					`id; pwd; touch /x 2>/dev/null && echo root-writable || echo root-read-only; ` +
						`touch /tmp/x && echo tmp-writable; env | sort`},
				Environment: types.MappingWithEquals{"FOO": ptr("bar")},
			},
			want: []string{
				// The kernel keeps supplementary groups sorted.
				"uid=1000(app) gid=1000(app) groups=10(wheel),1000(app)",
				"/work",
				"root-read-only",
				"tmp-writable",
				"FOO=bar",
				"FROM_IMAGE=1",
				"HOME=/home/app",
				"HOSTNAME=probe-host",
				"PATH=" + defaultPath,
			},
		},
		{
			name: "init privileged",
			svc: types.ServiceConfig{
				Init:       ptrBool(true),
				Privileged: true,
				Command:    types.ShellCommand{"sh", "-c", `cat /proc/1/comm; grep CapEff /proc/self/status`},
			},
			want: []string{
				"docker-init",
				// Every capability berth holds, which is all on a
				// normal host.
				"CapEff:\t" + ownCapBnd(t),
			},
		},
		{
			name: "seccomp default",
			svc: types.ServiceConfig{
				Command: types.ShellCommand{"sh", "-c", seccompProbe},
			},
			want: []string{"Seccomp:\t2", "unshare refused"},
		},
		{
			name: "seccomp unconfined",
			svc: types.ServiceConfig{
				SecurityOpt: []string{"seccomp=unconfined"},
				Command:     types.ShellCommand{"sh", "-c", seccompProbe},
			},
			want: []string{"Seccomp:\t0", "unshare allowed"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.svc.Name = "probe"
			out := runProbe(t, runc, tc.svc)
			lines := strings.Split(strings.TrimSpace(out), "\n")
			for _, w := range tc.want {
				if !slices.Contains(lines, w) {
					t.Errorf("container output lacks %q; it was:\n%s", w, out)
				}
			}
		})
	}
}

// seccompProbe shows the process's seccomp mode (2: filtered) and tries
// to create a user namespace.
const seccompProbe = `grep '^Seccomp:' /proc/self/status; unshare -U true && echo unshare allowed || echo unshare refused`

// runProbe builds the spec of svc for a fresh busybox bundle, runs it to
// completion under runc and returns its output.
func runProbe(t *testing.T, runc string, svc types.ServiceConfig) string {
	t.Helper()
	dir := t.TempDir()
	bundle, rootfs, state := filepath.Join(dir, "bundle"), filepath.Join(dir, "bundle", "rootfs"), filepath.Join(dir, "runc")
	for _, d := range []string{"bin", "etc", "work", "tmp", "proc", "sys", "dev"} {
		if err := os.MkdirAll(filepath.Join(rootfs, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// As in real images; runc gives a tmpfs its mountpoint's mode.
	if err := os.Chmod(filepath.Join(rootfs, "tmp"), 0o1777); err != nil {
		t.Fatal(err)
	}
	exe, err := os.ReadFile("/bin/busybox")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(rootfs, "bin", "busybox"), exe, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, applet := range []string{"sh", "id", "pwd", "env", "touch", "sort", "cat", "grep", "unshare", "true"} {
		if err := os.Symlink("busybox", filepath.Join(rootfs, "bin", applet)); err != nil {
			t.Fatal(err)
		}
	}
	files := map[string]string{
		"etc/passwd": "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\n",
		"etc/group":  "root:x:0:\nwheel:x:10:app\napp:x:1000:\n",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(rootfs, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	init := ""
	if svc.Init != nil && *svc.Init {
		if init = FindInit(); init == "" {
			if os.Getenv("CI") != "" {
				t.Fatal("no docker-init or tini-static on PATH (apt-get install -y tini)")
			}
			t.Skip("no docker-init or tini-static on PATH")
		}
	}

	mounts, err := Mounts(svc, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	id := uniqueID(t)
	spec, err := Build(Input{
		Service:     svc,
		Image:       v1.Config{Env: []string{"FROM_IMAGE=1"}},
		Rootfs:      rootfs,
		Hostname:    "probe-host",
		Mounts:      mounts,
		CgroupsPath: "/" + id,
		Init:        init,
		Namespaces: map[specs.LinuxNamespaceType]string{
			specs.PIDNamespace: "", specs.NetworkNamespace: "", specs.IPCNamespace: "",
			specs.UTSNamespace: "", specs.MountNamespace: "",
		},
	})
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	data, err := json.MarshalIndent(spec, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bundle, "config.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}

	t.Cleanup(func() {
		// Runs even when the test fails: no container, cgroup or state left.
		out, err := exec.Command(runc, "--root", state, "delete", "-f", id).CombinedOutput()
		if err != nil && !strings.Contains(string(out), "does not exist") {
			t.Errorf("runc delete -f %s: %v: %s", id, err, out)
		}
	})
	// The deadline only keeps a broken runc from hanging the test run.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, runc, "--root", state, "run", "--bundle", bundle, id).CombinedOutput()
	if err != nil {
		t.Fatalf("runc run: %v\n%s", err, out)
	}
	return string(out)
}

// ownCapBnd is the test process's capability bounding set as
// /proc/self/status shows it.
func ownCapBnd(t *testing.T) string {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(l, "CapBnd:"); ok {
			return strings.TrimSpace(v)
		}
	}
	t.Fatal("no CapBnd in /proc/self/status")
	return ""
}

func ptr(s string) *string { return &s }

func ptrBool(b bool) *bool { return &b }

func uniqueID(t *testing.T) string {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "berth-ocispec-test-" + hex.EncodeToString(b)
}
