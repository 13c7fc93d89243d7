package monitor

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-dev/berth/engine/errdefs"
	"github.com/berth-dev/berth/engine/native/journal"
)

const (
	runcPath    = "/usr/sbin/runc"
	busyboxPath = "/bin/busybox"
)

// needRunc skips a test that needs root, runc and busybox where they are
// missing, except under CI, where it fails.
func needRunc(t *testing.T) {
	t.Helper()
	var missing string
	switch {
	case os.Geteuid() != 0:
		missing = "root"
	case !exists(runcPath):
		missing = runcPath
	case !exists(busyboxPath):
		missing = busyboxPath + " (apt-get install busybox-static)"
	}
	if missing == "" {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("integration test needs %s", missing)
	}
	t.Skipf("integration test needs %s", missing)
}

// testContainer is a container directory as the engine lays it out, with
// a busybox rootfs.
type testContainer struct {
	id, dir string
	runc    Runc
	cfg     Config
}

type containerOpts struct {
	args    []string
	restart string
	health  *Health
	tty     bool
	stdin   bool
}

func newContainer(t *testing.T, o containerOpts) *testContainer {
	t.Helper()
	needRunc(t)
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	id := "berth-test-" + hex.EncodeToString(b)
	dir := t.TempDir()
	rootfs := filepath.Join(dir, "rootfs")
	for _, d := range []string{"bin", "tmp"} {
		if err := os.MkdirAll(filepath.Join(rootfs, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	bb, err := os.ReadFile(busyboxPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(rootfs, "bin", "busybox"), bb, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, applet := range []string{"sh", "echo", "sleep", "cat", "touch", "test", "true", "false", "printf"} {
		if err := os.Symlink("busybox", filepath.Join(rootfs, "bin", applet)); err != nil {
			t.Fatal(err)
		}
	}
	spec, err := json.Marshal(testSpec(id, o.args, o.tty))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), spec, 0o644); err != nil {
		t.Fatal(err)
	}
	c := &testContainer{id: id, dir: dir, runc: Runc{Path: runcPath, Root: filepath.Join(dir, "runc")}}
	c.cfg = Config{
		ID: id, Bundle: dir, RuncRoot: c.runc.Root, Runc: runcPath,
		Restart: o.restart, Health: o.health, Tty: o.tty, Stdin: o.stdin,
		LogPath: filepath.Join(dir, "ctr.log"),
	}
	cfg, err := json.Marshal(c.cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ConfigFile), cfg, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx := context.Background()
		_ = c.runc.Kill(ctx, id, syscall.SIGKILL, true)
		_ = c.runc.Delete(ctx, id, true)
	})
	return c
}

// testSpec is a minimal spec in the shape `runc spec` writes, with a new
// and empty network namespace and a cgroup of its own.
func testSpec(id string, args []string, tty bool) *specs.Spec {
	caps := []string{"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"}
	return &specs.Spec{
		Version: specs.Version,
		Process: &specs.Process{
			Terminal:        tty,
			Args:            args,
			Env:             []string{"PATH=/bin", "TERM=xterm"},
			Cwd:             "/",
			Capabilities:    &specs.LinuxCapabilities{Bounding: caps, Effective: caps, Permitted: caps},
			NoNewPrivileges: true,
		},
		Root:     &specs.Root{Path: "rootfs"},
		Hostname: "monitor-test",
		Mounts: []specs.Mount{
			{Destination: "/proc", Type: "proc", Source: "proc"},
			{Destination: "/dev", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "strictatime", "mode=755", "size=65536k"}},
			{Destination: "/dev/pts", Type: "devpts", Source: "devpts", Options: []string{"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"}},
		},
		Linux: &specs.Linux{
			CgroupsPath: "/" + id,
			Resources:   &specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{{Allow: false, Access: "rwm"}}},
			Namespaces: []specs.LinuxNamespace{
				{Type: specs.PIDNamespace}, {Type: specs.NetworkNamespace}, {Type: specs.IPCNamespace},
				{Type: specs.UTSNamespace}, {Type: specs.MountNamespace},
			},
			MaskedPaths:   []string{"/proc/kcore", "/proc/keys"},
			ReadonlyPaths: []string{"/proc/sys", "/proc/sysrq-trigger"},
		},
	}
}

// monitorProc is a monitor running as a process of its own.
type monitorProc struct {
	cmd    *exec.Cmd
	done   chan struct{}
	output bytes.Buffer
	err    error
}

// startMonitor runs Run for c in a re-exec of the test binary.
func startMonitor(t *testing.T, c *testContainer) *monitorProc {
	t.Helper()
	p := &monitorProc{done: make(chan struct{})}
	p.cmd = exec.Command(os.Args[0], "-test.run=^$")
	p.cmd.Env = append(os.Environ(), monitorEnv+"="+c.dir)
	p.cmd.Stdout, p.cmd.Stderr = &p.output, &p.output
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			// The test failed with the container running: kill it so that
			// the monitor ends by itself, as it would in use.
			_ = os.WriteFile(filepath.Join(c.dir, StopFile), nil, 0o644)
			_ = c.runc.Kill(context.Background(), c.id, syscall.SIGKILL, true)
			select {
			case <-p.done:
			case <-time.After(30 * time.Second):
				_ = p.cmd.Process.Kill()
				<-p.done
			}
		}
	})
	return p
}

// wait waits for the monitor to return and fails the test unless it
// returned nil.
func (p *monitorProc) wait(t *testing.T) {
	t.Helper()
	waitFor(t, "the monitor to return", func() bool {
		select {
		case <-p.done:
			return true
		default:
			return false
		}
	})
	if p.err != nil {
		t.Fatalf("monitor: %v\n%s", p.err, p.output.String())
	}
}

// childrenOf lists pid's children, zombies included.
func childrenOf(t *testing.T, pid int) []int {
	t.Helper()
	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pid))
	if err != nil {
		t.Fatal(err)
	}
	var kids []int
	for _, f := range tasks {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, field := range strings.Fields(string(b)) {
			n, err := strconv.Atoi(field)
			if err != nil {
				t.Fatal(err)
			}
			kids = append(kids, n)
		}
	}
	return kids
}

func (c *testContainer) state(t *testing.T) State {
	t.Helper()
	s, err := ReadState(c.dir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	return s
}

// waitState waits until the container's state satisfies cond.
func (c *testContainer) waitState(t *testing.T, what string, cond func(State) bool) State {
	t.Helper()
	var s State
	waitFor(t, what, func() bool {
		s = c.state(t)
		return cond(s)
	})
	return s
}

// stop stops the container as the engine does: the stop file, then a kill.
func (c *testContainer) stop(t *testing.T) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(c.dir, StopFile), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := c.runc.Kill(context.Background(), c.id, syscall.SIGKILL, true); err != nil {
		t.Fatal(err)
	}
}

func (c *testContainer) logs(t *testing.T) (stdout, stderr string) {
	t.Helper()
	var out, errs bytes.Buffer
	if err := ReadLogs(context.Background(), c.cfg.LogPath, LogOptions{}, &out, &errs); err != nil {
		t.Fatal(err)
	}
	return out.String(), errs.String()
}

func TestRunOutputAndExitCode(t *testing.T) {
	c := newContainer(t, containerOpts{args: []string{"sh", "-c", "echo out; echo err >&2; printf partial; exit 3"}, restart: "no"})
	startMonitor(t, c).wait(t)
	s := c.state(t)
	if s.Status != StatusExited || s.ExitCode != 3 || s.Pid != 0 || s.RestartCount != 0 || s.Error != "" {
		t.Errorf("state %+v, want exited with code 3", s)
	}
	if s.StartedAt.IsZero() || s.FinishedAt.Before(s.StartedAt) {
		t.Errorf("started %v, finished %v", s.StartedAt, s.FinishedAt)
	}
	if out, errs := c.logs(t); out != "out\npartial" || errs != "err\n" {
		t.Errorf("stdout %q, stderr %q", out, errs)
	}
	if _, err := c.runc.State(context.Background(), c.id); !errors.Is(err, errdefs.ErrNotFound) {
		t.Errorf("runc state after the exit: %v, want the container deleted", err)
	}
}

func TestRunSignalledExitCode(t *testing.T) {
	c := newContainer(t, containerOpts{args: []string{"sleep", "1000"}})
	p := startMonitor(t, c)
	c.waitState(t, "running", func(s State) bool { return s.Status == StatusRunning })
	c.stop(t)
	p.wait(t)
	if s := c.state(t); s.Status != StatusExited || s.ExitCode != 137 {
		t.Errorf("state %+v, want exited with code 137", s)
	}
}

func TestRunEndsWithContext(t *testing.T) {
	c := newContainer(t, containerOpts{args: []string{"sleep", "1000"}, restart: "always"})
	p := startMonitor(t, c)
	c.waitState(t, "running", func(s State) bool { return s.Status == StatusRunning })
	if err := p.cmd.Process.Signal(syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	p.wait(t)
	if s := c.state(t); s.Status != StatusExited || s.ExitCode != 137 || s.RestartCount != 0 {
		t.Errorf("state %+v, want exited with 137 and no restart", s)
	}
	if _, err := c.runc.State(context.Background(), c.id); !errors.Is(err, errdefs.ErrNotFound) {
		t.Errorf("runc state after the end: %v, want the container deleted", err)
	}
}

func TestRunStoppedBeforeStart(t *testing.T) {
	c := newContainer(t, containerOpts{args: []string{"echo", "ran"}})
	// As a stop that comes while runc creates the container, before it
	// is there to be killed.
	if err := os.WriteFile(filepath.Join(c.dir, StopFile), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	startMonitor(t, c).wait(t)
	if s := c.state(t); s.Status != StatusExited || s.ExitCode != 137 || !s.StartedAt.IsZero() || s.RestartCount != 0 {
		t.Errorf("state %+v, want exited with 137, never started", s)
	}
	if out, _ := c.logs(t); out != "" {
		t.Errorf("stdout %q, want nothing: the container must not start", out)
	}
	if _, err := c.runc.State(context.Background(), c.id); !errors.Is(err, errdefs.ErrNotFound) {
		t.Errorf("runc state after the stop: %v, want the container deleted", err)
	}
}

func TestRunBadConfigIsInTheState(t *testing.T) {
	c := newContainer(t, containerOpts{args: []string{"true"}, restart: "sometimes"})
	p := startMonitor(t, c)
	<-p.done
	if p.err == nil {
		t.Error("monitor with a bad restart policy returned nil")
	}
	if s := c.state(t); s.Status != StatusExited || !strings.Contains(s.Error, "sometimes") {
		t.Errorf("state %+v, want exited with the error", s)
	}
}

func TestRunCommandNotFound(t *testing.T) {
	c := newContainer(t, containerOpts{args: []string{"/no/such/command"}, restart: "on-failure:1"})
	startMonitor(t, c).wait(t)
	s := c.state(t)
	if s.Status != StatusExited || s.ExitCode != 127 || s.RestartCount != 1 || !strings.Contains(s.Error, "/no/such/command") {
		t.Errorf("state %+v, want exited with 127 after one restart, and the error", s)
	}
}

func TestRunRestartOnFailure(t *testing.T) {
	c := newContainer(t, containerOpts{args: []string{"sh", "-c", "echo run; exit 2"}, restart: "on-failure:2"})
	startMonitor(t, c).wait(t)
	if s := c.state(t); s.Status != StatusExited || s.ExitCode != 2 || s.RestartCount != 2 {
		t.Errorf("state %+v, want exited with code 2 after 2 restarts", s)
	}
	if out, _ := c.logs(t); out != "run\nrun\nrun\n" {
		t.Errorf("stdout %q, want three runs", out)
	}
}

func TestRunAlwaysRestartsUntilStopped(t *testing.T) {
	c := newContainer(t, containerOpts{args: []string{"sh", "-c", "echo up; exec sleep 1000"}, restart: "always"})
	p := startMonitor(t, c)
	first := c.waitState(t, "running", func(s State) bool { return s.Status == StatusRunning })
	if err := c.runc.Kill(context.Background(), c.id, syscall.SIGKILL, true); err != nil {
		t.Fatal(err)
	}
	second := c.waitState(t, "running again", func(s State) bool { return s.Status == StatusRunning && s.RestartCount == 1 })
	if second.Pid == first.Pid || second.ExitCode != 137 {
		t.Errorf("after the restart: %+v; before: %+v", second, first)
	}
	// The monitor reaped whatever runc left it: its only child is the init.
	if kids := childrenOf(t, p.cmd.Process.Pid); len(kids) != 1 || kids[0] != second.Pid {
		t.Errorf("monitor's children %v, want only the init %d", kids, second.Pid)
	}
	// Running means started, not that the shell has printed yet: a stop
	// before it would leave the second run without its line.
	waitFor(t, "the second run's output", func() bool { out, _ := c.logs(t); return out == "up\nup\n" })
	c.stop(t)
	p.wait(t)
	if s := c.state(t); s.Status != StatusExited || s.RestartCount != 1 || s.ExitCode != 137 {
		t.Errorf("state %+v, want exited with 137 after one restart", s)
	}
	if out, _ := c.logs(t); out != "up\nup\n" {
		t.Errorf("stdout %q, want two runs", out)
	}
}

func TestRunHealthy(t *testing.T) {
	for _, tty := range []bool{false, true} {
		t.Run(map[bool]string{false: "pipes", true: "tty"}[tty], func(t *testing.T) {
			c := newContainer(t, containerOpts{
				args:   []string{"sh", "-c", "touch /tmp/ready; exec sleep 1000"},
				health: &Health{Test: []string{"CMD-SHELL", "test -f /tmp/ready && echo fine"}, Interval: 100 * time.Millisecond, Retries: 2},
				tty:    tty,
			})
			p := startMonitor(t, c)
			s := c.waitState(t, "healthy", func(s State) bool { return s.Health == HealthHealthy })
			if len(s.HealthLog) == 0 || s.HealthLog[len(s.HealthLog)-1] != "fine" {
				t.Errorf("health log %q, want it to end with the probe's output", s.HealthLog)
			}
			c.stop(t)
			p.wait(t)
		})
	}
}

func TestRunUnhealthyAfterTimeouts(t *testing.T) {
	c := newContainer(t, containerOpts{
		args:   []string{"sleep", "1000"},
		health: &Health{Test: []string{"CMD", "sleep", "100"}, Interval: 100 * time.Millisecond, Timeout: 300 * time.Millisecond, Retries: 2},
	})
	p := startMonitor(t, c)
	s := c.waitState(t, "unhealthy", func(s State) bool { return s.Health == HealthUnhealthy })
	if len(s.HealthLog) < 2 || !strings.Contains(s.HealthLog[0], "exceeded timeout") {
		t.Errorf("health log %q, want timeouts", s.HealthLog)
	}
	// Killed, as docker kills a probe past its timeout: 128+SIGKILL.
	checkProbeNotes(t, c.dir, "sleep 100", 137, 2)
	// The probes were killed: only the probe that may be running now is
	// left beside the container's init.
	pids, err := c.runc.Ps(context.Background(), c.id)
	if err != nil {
		t.Fatal(err)
	}
	if len(pids) > 2 {
		t.Errorf("processes in the container: %v, want the timed out probes gone", pids)
	}
	c.stop(t)
	p.wait(t)
}

func TestRunUnhealthyOnFailure(t *testing.T) {
	c := newContainer(t, containerOpts{
		args:   []string{"sleep", "1000"},
		health: &Health{Test: []string{"CMD-SHELL", "echo broken; exit 1"}, Interval: 100 * time.Millisecond},
	})
	p := startMonitor(t, c)
	s := c.waitState(t, "unhealthy", func(s State) bool { return s.Health == HealthUnhealthy })
	if len(s.HealthLog) != 3 || s.HealthLog[2] != "broken" {
		t.Errorf("health log %q, want three failures (the default retries)", s.HealthLog)
	}
	checkProbeNotes(t, c.dir, "/bin/sh -c echo broken; exit 1", 1, 3)
	c.stop(t)
	p.wait(t)
}

// checkProbeNotes checks the journal in dir holds at least n probes,
// each noted as docker reports a probe: an exec of cmdLine, created and
// started, that died with code.
func checkProbeNotes(t *testing.T, dir, cmdLine string, code, n int) {
	t.Helper()
	ents, _ := journal.Read(dir, journal.Pos{})
	started := map[string]bool{}
	died := 0
	for _, ent := range ents {
		switch ent.Action {
		case "exec_create":
			if ent.Cmd != cmdLine {
				t.Errorf("exec_create of %q, want %q", ent.Cmd, cmdLine)
			}
		case "exec_start":
			if ent.Cmd != cmdLine {
				t.Errorf("exec_start of %q, want %q", ent.Cmd, cmdLine)
			}
			started[ent.ExecID] = true
		case "exec_die":
			if !started[ent.ExecID] {
				t.Errorf("exec_die of %s, which was not started", ent.ExecID)
			}
			if ent.ExitCode == nil || *ent.ExitCode != code {
				t.Errorf("exec_die of %s with code %v, want %d", ent.ExecID, ent.ExitCode, code)
			}
			died++
		default:
			t.Errorf("journal holds a %s, want only the probes' execs", ent.Action)
		}
	}
	if died < n {
		t.Errorf("journal holds %d probes that died, want at least %d: %+v", died, n, ents)
	}
}

func TestRunTty(t *testing.T) {
	c := newContainer(t, containerOpts{args: []string{"sh", "-c", "test -t 1 && echo in a tty"}, tty: true})
	startMonitor(t, c).wait(t)
	if s := c.state(t); s.ExitCode != 0 {
		t.Errorf("state %+v, want exit code 0 (stdout a terminal)", s)
	}
	if out, errs := c.logs(t); out != "in a tty\r\n" || errs != "" {
		t.Errorf("stdout %q, stderr %q", out, errs)
	}
}

func TestRunStdin(t *testing.T) {
	for _, tty := range []bool{false, true} {
		t.Run(map[bool]string{false: "pipe", true: "tty"}[tty], func(t *testing.T) {
			c := newContainer(t, containerOpts{args: []string{"sh", "-c", "read line; echo got $line"}, stdin: true, tty: tty})
			p := startMonitor(t, c)
			c.waitState(t, "running", func(s State) bool { return s.Status == StatusRunning })
			f, err := os.OpenFile(filepath.Join(c.dir, StdinFile), os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if _, err := io.WriteString(f, "hello\n"); err != nil {
				t.Fatal(err)
			}
			p.wait(t)
			if out, _ := c.logs(t); !strings.HasSuffix(out, "got hello\n") && !strings.HasSuffix(out, "got hello\r\n") {
				t.Errorf("stdout %q", out)
			}
		})
	}
}

func TestRuncExecPsPause(t *testing.T) {
	c := newContainer(t, containerOpts{args: []string{"sleep", "1000"}})
	p := startMonitor(t, c)
	s := c.waitState(t, "running", func(s State) bool { return s.Status == StatusRunning })
	ctx := context.Background()
	js := func(p *specs.Process) []byte {
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	proc := &specs.Process{Args: []string{"sh", "-c", "cat; echo oops >&2; exit 7"}, Env: []string{"PATH=/bin"}, Cwd: "/"}
	var out, errs bytes.Buffer
	code, err := c.runc.Exec(ctx, c.id, js(proc), false, strings.NewReader("hi\n"), &out, &errs)
	if err != nil || code != 7 || out.String() != "hi\n" || errs.String() != "oops\n" {
		t.Errorf("Exec = %d, %v; stdout %q, stderr %q", code, err, out.String(), errs.String())
	}
	if _, err := c.runc.Exec(ctx, c.id, js(&specs.Process{Args: []string{"/nope"}, Cwd: "/"}), false, nil, io.Discard, io.Discard); err == nil {
		t.Error("Exec of a missing command did not fail")
	}
	out.Reset()
	tty := &specs.Process{Terminal: true, Args: []string{"sh", "-c", "test -t 0 && echo tty"}, Env: []string{"PATH=/bin"}, Cwd: "/"}
	if code, err := c.runc.Exec(ctx, c.id, js(tty), true, nil, &out, nil); err != nil || code != 0 || !strings.Contains(out.String(), "tty") {
		t.Errorf("Exec with a terminal = %d, %v; output %q", code, err, out.String())
	}

	pids, err := c.runc.Ps(ctx, c.id)
	if err != nil || len(pids) != 1 || pids[0] != s.Pid {
		t.Errorf("Ps = %v, %v; want [%d]", pids, err, s.Pid)
	}
	if err := c.runc.Pause(ctx, c.id); err != nil {
		t.Fatal(err)
	}
	if st, err := c.runc.State(ctx, c.id); err != nil || st.Status != "paused" {
		t.Errorf("State after Pause = %+v, %v", st, err)
	}
	if err := c.runc.Resume(ctx, c.id); err != nil {
		t.Fatal(err)
	}
	if st, err := c.runc.State(ctx, c.id); err != nil || st.Status != "running" || st.Pid != s.Pid {
		t.Errorf("State after Resume = %+v, %v", st, err)
	}
	c.stop(t)
	p.wait(t)
	if err := c.runc.Delete(ctx, c.id, false); !errors.Is(err, errdefs.ErrNotFound) {
		t.Errorf("Delete of a deleted container = %v, want ErrNotFound", err)
	}
}
