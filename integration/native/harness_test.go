package native

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/itest"
	"github.com/berth-dev/berth/internal/testimage"
)

// berthBin is the front build TestMain makes (the full build sits beside
// it), moduleRoot the module it was built from and stateRoot the package's
// BERTH_ROOT. All three are written once, before any test runs.
var berthBin, moduleRoot, stateRoot string

// Timeouts for one command; generous because two cores are shared.
const (
	berthTimeout  = 3 * time.Minute
	dockerTimeout = 2 * time.Minute
)

// watchSources makes go test's result cache notice changes to berth
// (itest.WatchSources); every new stack runs it.
var watchSources = sync.OnceValue(func() error { return itest.WatchSources(moduleRoot) })

func TestMain(m *testing.M) {
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	flag.Parse()
	if err := requirements(); err != nil {
		return itest.Unavailable("integration/native", err)
	}
	var remove func()
	var err error
	berthBin, moduleRoot, remove, err = itest.Build(context.Background(), "berth-native-it-bin-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "integration/native: %v\n", err)
		return 1
	}
	defer remove()
	if stateRoot, err = os.MkdirTemp("", "berth-native-it-root-"); err != nil {
		fmt.Fprintf(os.Stderr, "integration/native: %v\n", err)
		return 1
	}
	code := m.Run()
	// Every test checked its own project; this catches what no test
	// traced, and sweeps it so that the machine is left clean.
	if left := rootLeftovers(); len(left) > 0 {
		fmt.Fprintf(os.Stderr, "integration/native: the state directory %s still holds after every test's down:\n  %s\n", stateRoot, strings.Join(left, "\n  "))
		sweepRoot()
		code = 1
	}
	if err := os.RemoveAll(stateRoot); err != nil {
		fmt.Fprintf(os.Stderr, "integration/native: remove the state directory: %v\n", err)
		code = 1
	}
	return code
}

// requirements says what the machine lacks to run the native engine and
// to build the test images, or nil.
func requirements() error {
	if os.Geteuid() != 0 {
		return errors.New("the native engine needs root")
	}
	if _, err := exec.LookPath("runc"); err != nil {
		return fmt.Errorf("the native engine needs runc: %w", err)
	}
	for _, tool := range []string{"ip", "nsenter", "iptables-save"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("the tests read the kernel with %s: %w", tool, err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "docker", "version", "--format", "{{.Server.APIVersion}}").CombinedOutput(); err != nil {
		return fmt.Errorf("the test images are built with docker, whose daemon does not answer: %w: %s", err, bytes.TrimSpace(out))
	}
	return nil
}

// testImages builds berth's test image and the busybox shell image with
// docker, saves both to one archive and loads it into the native store,
// once per process.
var testImages = sync.OnceValue(func() error {
	dir, err := os.MkdirTemp("", "berth-native-it-images-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	archive := filepath.Join(dir, "images.tar")
	if _, err := docker("save", "-o", archive, testimage.Ref, testimage.ShellRef); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), berthTimeout)
	defer cancel()
	r := runCmd(berthCommand(ctx, dir, nil, "--engine", "native", "image", "load", "-i", archive))
	if r.code != 0 {
		return fmt.Errorf("load the test images: %v", r)
	}
	return nil
})

// ensureImages makes testimage.Ref and testimage.ShellRef available on the
// native engine.
func ensureImages(t *testing.T) {
	t.Helper()
	testimage.Ensure(t)
	testimage.EnsureShell(t)
	if err := testImages(); err != nil {
		t.Fatal(err)
	}
}

// stack is one test's Compose project on the native engine.
type stack struct {
	t       *testing.T
	project string
	dir     string   // holds compose.yaml; berth runs here
	env     []string // added to berth's environment
	trace   *trace
}

// newStack writes compose as compose.yaml in a fresh directory (with
// @PROJECT@ standing for the project name) and registers the cleanup.
func newStack(t *testing.T, compose string) *stack {
	t.Helper()
	if err := watchSources(); err != nil {
		t.Fatalf("stat berth's sources under %s: %v", moduleRoot, err)
	}
	ensureImages(t)
	project := itest.ProjectName(t, "nit-", 24)
	s := &stack{t: t, project: project, dir: t.TempDir(), trace: newTrace(project)}
	emptyDir := t.TempDir()
	t.Cleanup(func() { s.cleanup(emptyDir) })
	if compose != "" {
		s.write("compose.yaml", compose)
	}
	return s
}

// with is s for a subtest: the same project, failing t.
func (s *stack) with(t *testing.T) *stack {
	c := *s
	c.t = t
	return &c
}

func (s *stack) write(name, content string) {
	s.t.Helper()
	content = strings.ReplaceAll(content, "@PROJECT@", s.project)
	if err := os.WriteFile(filepath.Join(s.dir, name), []byte(content), 0o644); err != nil {
		s.t.Fatal(err)
	}
}

// result is one finished command.
type result struct {
	args           []string
	stdout, stderr string
	code           int
}

func (r result) String() string {
	return fmt.Sprintf("`%s` exited %d\nstdout:\n%s\nstderr:\n%s", strings.Join(r.args, " "), r.code, r.stdout, r.stderr)
}

// berth runs `berth -p PROJECT args...` on the native engine in the
// project directory, then traces what the project has in the state
// directory.
func (s *stack) berth(args ...string) result {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), berthTimeout)
	defer cancel()
	r := runCmd(berthCommand(ctx, s.dir, s.env, append([]string{"-p", s.project}, args...)...))
	s.observe()
	return r
}

// mustBerth is berth that fails the test unless the command exits 0.
func (s *stack) mustBerth(args ...string) result {
	s.t.Helper()
	r := s.berth(args...)
	if r.code != 0 {
		s.diagnose()
		s.t.Fatalf("berth failed: %v", r)
	}
	return r
}

// start starts `berth -p PROJECT args...` without waiting for it.
func (s *stack) start(args ...string) *background {
	s.t.Helper()
	cmd := berthCommand(context.Background(), s.dir, s.env, append([]string{"-p", s.project}, args...)...)
	r := &background{cmd: cmd, args: cmd.Args, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = &r.stdout, &r.stderr
	if err := cmd.Start(); err != nil {
		s.t.Fatalf("start berth %v: %v", args, err)
	}
	go func() {
		r.err = cmd.Wait()
		close(r.done)
	}()
	s.t.Cleanup(func() {
		// A test that failed before waiting must not leave berth running.
		select {
		case <-r.done:
		default:
			_ = cmd.Process.Kill()
			<-r.done
		}
	})
	return r
}

// background is a berth started without waiting for it.
type background struct {
	cmd            *exec.Cmd
	args           []string
	stdout, stderr bytes.Buffer
	done           chan struct{}
	err            error
}

// wait returns the result once the command has exited.
func (r *background) wait(t *testing.T) result {
	t.Helper()
	select {
	case <-r.done:
	case <-time.After(berthTimeout):
		_ = r.cmd.Process.Kill()
		<-r.done
		t.Fatalf("`%s` did not finish within %s", strings.Join(r.args, " "), berthTimeout)
	}
	return exitResult(r.args, r.stdout.String(), r.stderr.String(), r.err)
}

// berthCommand prepares berth on the native engine in dir: the test
// process's environment minus COMPOSE_* and BERTH_* (a developer's shell
// must not change what the tests load), then the package's BERTH_ROOT and
// the engine, then extra.
func berthCommand(ctx context.Context, dir string, extra []string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, berthBin, args...)
	cmd.Dir = dir
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "COMPOSE_") && !strings.HasPrefix(kv, "BERTH_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "NO_COLOR=1", "BERTH_ENGINE=native", "BERTH_ROOT="+stateRoot)
	cmd.Env = append(cmd.Env, extra...)
	return cmd
}

func runCmd(cmd *exec.Cmd) result {
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return exitResult(cmd.Args, stdout.String(), stderr.String(), err)
}

func exitResult(args []string, stdout, stderr string, err error) result {
	r := result{args: args, stdout: stdout, stderr: stderr}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			r.code = -int(ws.Signal())
		}
	case err != nil:
		r.code = -1
		r.stderr += "\n" + err.Error()
	}
	return r
}

// command runs a program other than berth and returns its result.
func command(timeout time.Duration, name string, args ...string) result {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return runCmd(exec.CommandContext(ctx, name, args...))
}

// docker runs the docker CLI and returns its trimmed stdout.
func docker(args ...string) (string, error) {
	r := command(dockerTimeout, "docker", args...)
	if r.code != 0 {
		return "", fmt.Errorf("%v", r)
	}
	return strings.TrimSpace(r.stdout), nil
}

// freePort returns a TCP port on 127.0.0.1 that nothing listens on now.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// cleanup brings the project down from an empty directory (down must work
// from -p alone) and fails the test if anything the project made is left:
// a record, a link, a mount, a netns, a process, a cgroup or an iptables
// rule. What is left is then swept by force, so that the machine stays
// clean even when berth is broken.
func (s *stack) cleanup(emptyDir string) {
	t := s.t
	s.observe() // what the test made, even if it never ran berth after
	ctx, cancel := context.WithTimeout(context.Background(), berthTimeout)
	defer cancel()
	failedBefore := t.Failed()
	down := runCmd(berthCommand(ctx, emptyDir, s.env, "-p", s.project, "down", "-v", "--remove-orphans"))
	switch {
	case down.code != 0 && failedBefore:
		t.Logf("cleanup: %v", down)
	case down.code != 0:
		t.Errorf("cleanup: %v", down)
	}
	if left := s.trace.leftovers(); len(left) > 0 {
		t.Errorf("cleanup: after `berth down -v --remove-orphans -p %s` (exit %d) these are left:\n  %s", s.project, down.code, strings.Join(left, "\n  "))
		s.trace.sweep(t)
	}
}
