package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/fake"
	"github.com/berth-dev/berth/internal/lock"
)

// waitingNotice ends what a berth prints while another holds the lock,
// after the holder's own description.
const waitingNotice = `, which is working on project "shop"…`

// stuck bounds how long a test waits for something that should happen
// promptly; only a broken berth reaches it.
const stuck = 20 * time.Second

// background is one berth run in a goroutine.
type background struct {
	stdout, stderr syncBuffer
	done           chan struct{}
	code           int
}

// start runs berth with -f FILE -p shop in front of args in the background;
// watch, when not empty, is armed on stderr before the run begins.
func (h *harness) start(ctx context.Context, watch string, args ...string) (*background, <-chan struct{}) {
	b := &background{done: make(chan struct{})}
	var seen <-chan struct{}
	if watch != "" {
		seen = b.stderr.when(watch)
	}
	root := h.root(&b.stdout, &b.stderr)
	full := append([]string{"-f", h.file, "-p", "shop"}, args...)
	go func() {
		defer close(b.done)
		b.code = run(ctx, root, full, &b.stderr)
	}()
	return b, seen
}

// wait waits for the run to end and returns its exit code.
func (b *background) wait(t *testing.T) int {
	t.Helper()
	select {
	case <-b.done:
		return b.code
	case <-time.After(stuck):
		t.Fatalf("berth did not finish within %s\nstderr:\n%s", stuck, b.stderr.String())
		return 0
	}
}

// callCount counts the fake's recorded calls of method.
func callCount(f *fake.Engine, method string) int {
	n := 0
	for _, c := range f.Calls() {
		if c.Method == method {
			n++
		}
	}
	return n
}

// TestLockSerializesConcurrentUps runs two ups of one project at once. The
// first is paused inside its first CreateContainer; the second must wait for
// the lock rather than plan from a snapshot the first is about to change,
// and once it gets the lock it finds the project converged: no second set
// of containers, no name conflict.
func TestLockSerializesConcurrentUps(t *testing.T) {
	h := newHarness(t, shopCompose)
	paused, resume := make(chan struct{}), make(chan struct{})
	var once sync.Once
	h.f.Hooks.CreateContainer = func(ctx context.Context, _ engine.ContainerSpec) error {
		first := false
		once.Do(func() { first = true })
		if first {
			close(paused)
			select {
			case <-resume:
			case <-ctx.Done():
			}
		}
		return nil
	}
	ctx := context.Background()
	first, _ := h.start(ctx, "", "up", "-d")
	select {
	case <-paused:
	case <-first.done:
		t.Fatalf("first up ended (exit %d) before creating a container\n%s", first.code, first.stderr.String())
	case <-time.After(stuck):
		t.Fatal("first up never reached CreateContainer")
	}

	observed := callCount(h.f, "Containers")
	second, waiting := h.start(ctx, waitingNotice, "up", "-d")
	select {
	case <-waiting:
	case <-second.done:
		t.Fatalf("second up ended (exit %d) while the first held the project, want it to wait\nstderr:\n%s", second.code, second.stderr.String())
	case <-time.After(stuck):
		t.Fatalf("second up printed no %q within %s\nstderr:\n%s", waitingNotice, stuck, second.stderr.String())
	}
	if got := callCount(h.f, "Containers"); got != observed {
		t.Errorf("second up listed containers %d times while waiting for the lock, want 0", got-observed)
	}
	if want := fmt.Sprintf("waiting for berth (pid %d, since 00:10:00)", os.Getpid()); !strings.Contains(second.stderr.String(), want) {
		t.Errorf("second up's notice %q does not name the holder, want %q", second.stderr.String(), want)
	}
	close(resume)

	if code := first.wait(t); code != 0 {
		t.Errorf("first up got exit %d, want 0\n%s", code, first.stderr.String())
	}
	if code := second.wait(t); code != 0 {
		t.Errorf("second up got exit %d, want 0\n%s", code, second.stderr.String())
	}
	want := map[string]string{"shop-db-1": "running", "shop-web-1": "running"}
	if got := h.containers(); !equalMaps(got, want) {
		t.Errorf("after two concurrent ups got containers %v, want %v", got, want)
	}
	if got := callCount(h.f, "CreateContainer"); got != 2 {
		t.Errorf("two concurrent ups made %d CreateContainer calls, want 2 (one per service)", got)
	}
}

// TestLockOnlyForCommandsThatChangeState holds the project's lock from
// outside and runs each command: those that change state wait for it (and
// end with 130 when the wait is interrupted, having changed nothing);
// read-only commands and --dry-run run without it.
func TestLockOnlyForCommandsThatChangeState(t *testing.T) {
	tests := []struct {
		args  []string
		locks bool
	}{
		{[]string{"up", "-d"}, true},
		{[]string{"create"}, true},
		{[]string{"down"}, true},
		{[]string{"start"}, true},
		{[]string{"stop"}, true},
		{[]string{"restart"}, true},
		{[]string{"rm", "-f"}, true},
		{[]string{"plan"}, false},
		{[]string{"ps"}, false},
		{[]string{"logs"}, false},
		{[]string{"config"}, false},
		{[]string{"--dry-run", "up", "-d"}, false},
		{[]string{"--dry-run", "down"}, false},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			h := newHarness(t, shopCompose)
			h.mustRun(0, "up", "-d")
			h.mustRun(0, "stop", "web")
			h.f.ResetCalls()
			release, err := lock.Acquire(context.Background(), runtimeDir(h.env), "shop", "the test's holder", nil)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = release() }()

			// A run that starts waiting is interrupted, as Ctrl-C would.
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			b, waiting := h.start(ctx, waitingNotice, tt.args...)
			go func() {
				select {
				case <-waiting:
					cancel()
				case <-b.done:
				}
			}()
			code := b.wait(t)
			waited := strings.Contains(b.stderr.String(), "waiting for the test's holder"+waitingNotice)
			switch {
			case tt.locks && (!waited || code != exitInterrupted):
				t.Errorf("berth %v with the project locked got exit %d, waited %v, want exit %d after waiting\nstderr:\n%s", tt.args, code, waited, exitInterrupted, b.stderr.String())
			case !tt.locks && (waited || code != 0):
				t.Errorf("berth %v with the project locked got exit %d, waited %v, want exit 0 without waiting\nstderr:\n%s", tt.args, code, waited, b.stderr.String())
			}
			if m := h.f.Mutations(); len(m) != 0 {
				t.Errorf("berth %v with the project locked made changes %v, want none", tt.args, m)
			}
		})
	}
}

// TestInterruptedUpStopsAndUnlocks delivers SIGINT while up creates its
// first container: nothing new may start, the command ends with 130 and no
// error message, and the project lock is free afterwards.
func TestInterruptedUpStopsAndUnlocks(t *testing.T) {
	h := newHarness(t, shopCompose)
	subscribed := make(chan chan<- os.Signal, 1) // one run, one subscription
	h.notify = func(c chan<- os.Signal) func() {
		subscribed <- c
		return func() {}
	}
	h.f.Hooks.CreateContainer = func(ctx context.Context, spec engine.ContainerSpec) error {
		if spec.Name != "shop-db-1" {
			return nil
		}
		(<-subscribed) <- os.Interrupt
		<-ctx.Done()
		return ctx.Err()
	}
	code, stdout, stderr := h.run("up", "-d")
	if code != exitInterrupted {
		t.Fatalf("up interrupted by SIGINT got exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, exitInterrupted, stdout, stderr)
	}
	if strings.Contains(stderr, "berth: ") {
		t.Errorf("up interrupted by SIGINT printed an error:\n%s\nwant only the progress", stderr)
	}
	for _, c := range h.f.Calls() {
		if c.Method == "StartContainer" || (c.Method == "CreateContainer" && c.Args[0] != "shop-db-1") {
			t.Errorf("up interrupted while creating shop-db-1 went on to %v, want nothing new started", c)
		}
	}
	assertUnlocked(t, h)
}

// TestAttachedUpUnlocksBeforeLogs checks that an attached up frees the
// project once it has applied its plan: following logs must not hold off
// another berth. The Ctrl-C that ends it then locks again to stop.
func TestAttachedUpUnlocksBeforeLogs(t *testing.T) {
	h := newHarness(t, shopCompose)
	var once sync.Once
	var free atomic.Bool
	attached := make(chan struct{})
	h.f.Hooks.Logs = func(ctx context.Context, _ string, _ engine.LogOptions) error {
		once.Do(func() {
			free.Store(tryLock(h))
			close(attached)
		})
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b, _ := h.start(ctx, "", "up")
	select {
	case <-attached:
		cancel()
	case <-b.done:
		t.Fatalf("attached up ended (exit %d) before following logs\n%s", b.code, b.stderr.String())
	case <-time.After(stuck):
		t.Fatal("attached up never followed logs")
	}
	if code := b.wait(t); code != exitInterrupted {
		t.Errorf("interrupted attached up got exit %d, want %d\n%s", code, exitInterrupted, b.stderr.String())
	}
	if !free.Load() {
		t.Errorf("attached up held the project lock while following logs, want it released after apply")
	}
	want := map[string]string{"shop-db-1": "exited", "shop-web-1": "exited"}
	if got := h.containers(); !equalMaps(got, want) {
		t.Errorf("after interrupted attached up got containers %v, want %v", got, want)
	}
	assertUnlocked(t, h)
}

// tryLock reports whether the project lock can be taken right away, and
// gives it back.
func tryLock(h *harness) bool {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var waited atomic.Bool
	release, err := lock.Acquire(ctx, runtimeDir(h.env), "shop", "", func(string) {
		waited.Store(true)
		cancel()
	})
	if err != nil {
		return false
	}
	_ = release()
	return !waited.Load()
}

func assertUnlocked(t *testing.T, h *harness) {
	t.Helper()
	if !tryLock(h) {
		t.Errorf("project lock still held after berth returned, want it released")
	}
}
