package native

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"golang.org/x/sys/unix"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/native/monitor"
	"github.com/berth-dev/berth/internal/testimage"
)

// cgroup2Child marks the run of the test binary that TestCgroupV2 starts
// in a mount namespace of its own.
const cgroup2Child = "BERTH_TEST_CGROUP2_CHILD"

// TestCgroupV2 runs a container on the unified (v2) cgroup hierarchy, which
// most hosts now have, on a host that mounts v1: the test runs itself again
// in a mount namespace of its own with cgroup2 mounted on /sys/fs/cgroup,
// where runc and the engine find v2. The v1 hierarchies hold the memory,
// cpu and pids controllers, so limits are not tried there; what the engine
// does with cgroups itself is: the container's cgroup, a cgroup namespace
// of its own (dockerd's default on v2), pause through cgroup.freeze, CPU
// usage from cpu.stat, and the cgroup gone with the container.
func TestCgroupV2(t *testing.T) {
	if os.Getenv(cgroup2Child) == "" {
		requireHost(t)
		if unifiedCgroups("/sys/fs/cgroup") {
			t.Skip("/sys/fs/cgroup is v2 already: every native test runs on it")
		}
		cmd := exec.Command(os.Args[0], "-test.run=^TestCgroupV2$", "-test.v", "-test.count=1")
		cmd.Env = append(os.Environ(), cgroup2Child+"=1")
		// Go makes the new namespace's mounts private: nothing the child
		// mounts reaches the host's tree.
		cmd.SysProcAttr = &syscall.SysProcAttr{Unshareflags: syscall.CLONE_NEWNS}
		out, err := cmd.CombinedOutput()
		t.Logf("in a mount namespace with cgroup2 on /sys/fs/cgroup:\n%s", out)
		if err != nil {
			t.Fatalf("the run on cgroup v2: %v", err)
		}
		if bytes.Contains(out, []byte("--- SKIP")) {
			t.Skip("skipped on cgroup v2 (see above)")
		}
		return
	}
	if err := unix.Mount("cgroup2", "/sys/fs/cgroup", "cgroup2", 0, ""); err != nil {
		if os.Getenv("CI") == "" {
			t.Skipf("mount cgroup2 on /sys/fs/cgroup: %v (set CI=1 to make this a failure)", err)
		}
		t.Fatalf("mount cgroup2 on /sys/fs/cgroup: %v", err)
	}
	if !unifiedCgroups("/sys/fs/cgroup") {
		t.Fatal("/sys/fs/cgroup is not v2 after mounting cgroup2 on it")
	}
	e := newTestEngine(t, testimage.Archive(t))
	if !e.cgroup2 {
		t.Fatal("the engine did not find the unified hierarchy")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	id := runTestContainer(ctx, t, e, "cgtwo", types.ServiceConfig{})
	cg := filepath.Join("/sys/fs/cgroup", monitor.CgroupPath(id))
	procs, err := os.ReadFile(filepath.Join(cg, "cgroup.procs"))
	if err != nil || len(bytes.TrimSpace(procs)) == 0 {
		t.Fatalf("the container's cgroup %s holds no process: %q, %v", cg, procs, err)
	}
	var out bytes.Buffer
	code, err := e.Exec(ctx, id, engine.ExecSpec{Cmd: []string{testimage.Entrypoint, "cat", "/proc/self/cgroup"}}, engine.Streams{Stdout: &out, Stderr: &out})
	if err != nil || code != 0 {
		t.Fatalf("exec cat /proc/self/cgroup: code %d, %v: %s", code, err, out.String())
	}
	// In a cgroup namespace of its own the container's cgroup is its root.
	// (The v1 hierarchies this host also has add lines of their own.)
	var unified string
	for line := range strings.Lines(out.String()) {
		if strings.HasPrefix(line, "0::") {
			unified = strings.TrimSpace(line)
		}
	}
	if unified != "0::/" {
		t.Errorf("the container's /proc/self/cgroup is %q, want its v2 line 0::/ (a cgroup namespace of its own)", out.String())
	}

	if err := e.PauseContainer(ctx, id); err != nil {
		t.Fatalf("pause: %v", err)
	}
	if c, err := e.InspectContainer(ctx, id); err != nil || c.State != "paused" {
		t.Errorf("after pause: state %q, %v; want paused", c.State, err)
	}
	if err := e.UnpauseContainer(ctx, id); err != nil {
		t.Fatalf("unpause: %v", err)
	}
	if c, err := e.InspectContainer(ctx, id); err != nil || c.State != "running" {
		t.Errorf("after unpause: state %q, %v; want running", c.State, err)
	}

	var sample engine.StatsSample
	if err := e.ContainerStats(ctx, id, false, func(s engine.StatsSample) error { sample = s; return nil }); err != nil {
		t.Fatalf("stats: %v", err)
	}
	if sample.CPU.Total == 0 {
		t.Errorf("stats read no CPU time from %s/cpu.stat", cg)
	}

	if err := e.KillContainer(ctx, id, "SIGKILL"); err != nil {
		t.Fatalf("kill: %v", err)
	}
	if code, err := e.WaitContainer(ctx, id); err != nil || code != 137 {
		t.Errorf("wait after SIGKILL: %d, %v; want 137", code, err)
	}
	if err := e.RemoveContainer(ctx, id, engine.RemoveOptions{}); err != nil {
		t.Fatalf("remove: %v", err)
	}
	if _, err := os.Stat(cg); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the container's cgroup %s after its removal: %v, want it gone", cg, err)
	}
}
