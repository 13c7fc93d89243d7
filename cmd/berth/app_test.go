package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/fake"
	"github.com/berth-dev/berth/engine/swarm"
	"github.com/berth-dev/berth/engine/swarm/swarmfake"
)

// shopCompose is a small stack: web depends on db, db keeps a named volume.
const shopCompose = `
services:
  web:
    image: app:latest
    depends_on: [db]
    ports: ["127.0.0.1:8080:80"]
  db:
    image: app:latest
    volumes: ["data:/var/lib/data"]
volumes:
  data: {}
`

// harness runs berth in-process against one fake engine and one compose
// file, as project "shop".
type harness struct {
	t *testing.T
	f *fake.Engine
	// sw is the swarm --engine swarm reaches; see swarm_test.go.
	sw    *swarmfake.Fake
	file  string
	env   map[string]string
	stdin string
	now   time.Time
	// notify, when set, replaces the harness's deaf signal subscription,
	// so that a test can deliver SIGINT.
	notify func(c chan<- os.Signal) (stop func())
}

func newHarness(t *testing.T, compose string) *harness {
	t.Helper()
	dir := t.TempDir()
	file := filepath.Join(dir, "compose.yaml")
	if err := os.WriteFile(file, []byte(compose), 0o644); err != nil {
		t.Fatal(err)
	}
	return &harness{
		t:    t,
		f:    fake.New().WithImage(engine.Image{Tags: []string{"app:latest"}}).Build(),
		file: file,
		// The project lock and the secrets berth writes go to a directory
		// of this test's, not to the shared /tmp/berth-<uid>.
		env: map[string]string{"XDG_RUNTIME_DIR": t.TempDir()},
		now: time.Date(2026, 1, 1, 0, 10, 0, 0, time.UTC),
	}
}

// root builds berth's root command with the commands that reach the engine
// (appCommands) wired to the fake engine instead of Docker.
func (h *harness) root(stdout, stderr *syncBuffer) *cobra.Command {
	root, g := newRoot(h.env, strings.NewReader(h.stdin), stdout, stderr)
	for _, newCmd := range appCommands() {
		a := newApp(g, stdout, stderr)
		a.connect = func(context.Context, map[string]string) (engine.Engine, func() error, error) {
			return h.f, func() error { return nil }, nil
		}
		a.connectSwarm = func(context.Context, map[string]string) (swarm.Swarm, func() error, error) {
			if h.sw == nil {
				h.t.Fatal("berth reached for a swarm this test has none of")
			}
			return h.sw, func() error { return nil }, nil
		}
		a.notify = func(chan<- os.Signal) func() { return func() {} }
		if h.notify != nil {
			a.notify = h.notify
		}
		a.exit = func(code int) { h.t.Errorf("berth exited the process with %d", code) }
		a.now = func() time.Time { return h.now }
		cmd := newCmd(a)
		if old, _, err := root.Find([]string{cmd.Name()}); err == nil && old != root {
			root.RemoveCommand(old)
		}
		root.AddCommand(cmd)
	}
	return root
}

// run executes berth with -f FILE -p shop in front of args.
func (h *harness) run(args ...string) (code int, stdout, stderr string) {
	h.t.Helper()
	return h.runCtx(context.Background(), append([]string{"-f", h.file, "-p", "shop"}, args...)...)
}

// runCtx executes berth with exactly args under ctx.
func (h *harness) runCtx(ctx context.Context, args ...string) (code int, stdout, stderr string) {
	h.t.Helper()
	var out, errOut syncBuffer
	code = run(ctx, h.root(&out, &errOut), args, &errOut)
	return code, out.String(), errOut.String()
}

// mustDryRun runs a dry run, which must succeed, change nothing and print
// want among the plan it shows.
func (h *harness) mustDryRun(want string, args ...string) {
	h.t.Helper()
	stdout, _ := h.mustRun(0, args...)
	if m := h.f.Mutations(); len(m) != 0 {
		h.t.Errorf("berth %s made changes %v, want none", strings.Join(args, " "), m)
	}
	if !strings.Contains(stdout, want) {
		h.t.Errorf("berth %s printed\n%s\nwant it to contain %q", strings.Join(args, " "), stdout, want)
	}
}

// mustRun fails the test unless berth exits with want.
func (h *harness) mustRun(want int, args ...string) (stdout, stderr string) {
	h.t.Helper()
	code, stdout, stderr := h.run(args...)
	if code != want {
		h.t.Fatalf("berth %s got exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, want, stdout, stderr)
	}
	return stdout, stderr
}

// containers lists the project's containers by name and state.
func (h *harness) containers() map[string]string {
	h.t.Helper()
	cs, err := h.f.Containers(context.Background(), "shop")
	if err != nil {
		h.t.Fatal(err)
	}
	out := map[string]string{}
	for _, c := range cs {
		out[c.Name] = c.State
	}
	return out
}

// containerID returns the ID of the project's container name.
func (h *harness) containerID(name string) string {
	h.t.Helper()
	cs, err := h.f.Containers(context.Background(), "shop")
	if err != nil {
		h.t.Fatal(err)
	}
	for _, c := range cs {
		if c.Name == name {
			return c.ID
		}
	}
	h.t.Fatalf("no container %s in project shop", name)
	return ""
}

// syncBuffer is a bytes.Buffer shared by the command's goroutines and the
// test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
	// watch and seen are set by when.
	watch string
	seen  chan struct{}
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, err := s.b.Write(p)
	if s.seen != nil && strings.Contains(s.b.String(), s.watch) {
		close(s.seen)
		s.seen = nil
	}
	return n, err
}

// when returns a channel closed once the buffer contains substr, so that a
// test can react to what a running command prints. One watch per buffer.
func (s *syncBuffer) when(substr string) <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	seen := make(chan struct{})
	if strings.Contains(s.b.String(), substr) {
		close(seen)
		return seen
	}
	s.watch, s.seen = substr, seen
	return seen
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestInterruptible(t *testing.T) {
	var (
		mu     sync.Mutex
		exited []int
		sigs   chan<- os.Signal
	)
	a := &app{
		notify: func(c chan<- os.Signal) func() { sigs = c; return func() {} },
		exit: func(code int) {
			mu.Lock()
			defer mu.Unlock()
			exited = append(exited, code)
		},
	}
	ctx, stop := a.interruptible(context.Background())
	defer stop()

	sigs <- os.Interrupt
	select {
	case <-ctx.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("first SIGINT did not cancel the context")
	}
	mu.Lock()
	if len(exited) != 0 {
		t.Errorf("first SIGINT exited with %v, want no exit", exited)
	}
	mu.Unlock()

	sigs <- syscall.SIGTERM
	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		got := append([]int(nil), exited...)
		mu.Unlock()
		if len(got) > 0 {
			if got[0] != exitInterrupted {
				t.Errorf("second signal exited with %d, want %d", got[0], exitInterrupted)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("second signal did not force an exit")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestWithScale(t *testing.T) {
	h := newHarness(t, shopCompose)
	tests := []struct {
		scale   []string
		wantErr string
	}{
		{scale: []string{"web=3"}},
		{scale: []string{"web"}, wantErr: `--scale "web": want SERVICE=NUM`},
		{scale: []string{"web=-1"}, wantErr: "want SERVICE=NUM"},
		{scale: []string{"nope=2"}, wantErr: `no such service "nope"`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.scale, ","), func(t *testing.T) {
			args := []string{"up", "-d", "--dry-run"}
			for _, s := range tt.scale {
				args = append(args, "--scale", s)
			}
			code, stdout, stderr := h.run(args...)
			if tt.wantErr != "" {
				if code != 1 || !strings.Contains(stderr, tt.wantErr) {
					t.Errorf("up --scale %v got exit %d stderr %q, want 1 and %q", tt.scale, code, stderr, tt.wantErr)
				}
				return
			}
			if code != 0 || !strings.Contains(stdout, "shop-web-3") {
				t.Errorf("up --scale %v got exit %d, plan:\n%s\nwant shop-web-3 planned", tt.scale, code, stdout+stderr)
			}
		})
	}
}
