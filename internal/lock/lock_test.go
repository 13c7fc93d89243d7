package lock

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// lockDir returns a fresh lock directory that Acquire has to create.
func lockDir(t *testing.T) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "locks")
}

func mustAcquire(t *testing.T, dir, project string) func() error {
	t.Helper()
	release, err := Acquire(context.Background(), dir, project, "", func(string) {
		t.Errorf("Acquire(%s) waited, want the lock free", project)
	})
	if err != nil {
		t.Fatalf("Acquire(%s) got error %v, want the lock", project, err)
	}
	return release
}

type result struct {
	release func() error
	err     error
}

// acquireAsync starts Acquire in a goroutine; waiting is closed when it
// calls onWait.
func acquireAsync(ctx context.Context, dir, project string) (waiting <-chan struct{}, done <-chan result, calls *atomic.Int32) {
	w := make(chan struct{})
	d := make(chan result, 1) // one result; the goroutine never blocks on it
	calls = new(atomic.Int32)
	go func() {
		release, err := Acquire(ctx, dir, project, "", func(string) {
			if calls.Add(1) == 1 {
				close(w)
			}
		})
		d <- result{release, err}
	}()
	return w, d, calls
}

func TestAcquireCreatesPrivateDir(t *testing.T) {
	dir := lockDir(t)
	release := mustAcquire(t, dir, "shop")
	defer release()
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != 0o700 {
		t.Errorf("Acquire created %s with mode %04o, want 0700", dir, got)
	}
	if _, err := os.Stat(filepath.Join(dir, "shop.lock")); err != nil {
		t.Errorf("Acquire(shop) left no shop.lock: %v", err)
	}
}

func TestReleaseThenReacquire(t *testing.T) {
	dir := lockDir(t)
	release := mustAcquire(t, dir, "shop")
	if err := release(); err != nil {
		t.Fatalf("release() got %v, want nil", err)
	}
	if err := release(); err != nil {
		t.Errorf("second release() got %v, want nil", err)
	}
	again := mustAcquire(t, dir, "shop")
	if err := again(); err != nil {
		t.Errorf("release() after re-acquire got %v, want nil", err)
	}
}

func TestProjectsDoNotBlockEachOther(t *testing.T) {
	dir := lockDir(t)
	a := mustAcquire(t, dir, "shop")
	defer a()
	b := mustAcquire(t, dir, "shop-staging")
	defer b()
}

func TestSecondAcquirerWaitsForRelease(t *testing.T) {
	dir := lockDir(t)
	first := mustAcquire(t, dir, "shop")
	waiting, done, calls := acquireAsync(context.Background(), dir, "shop")
	<-waiting
	select {
	case r := <-done:
		t.Fatalf("second Acquire returned (err %v) while the first held the lock, want it to wait", r.err)
	default:
	}
	if err := first(); err != nil {
		t.Fatal(err)
	}
	r := <-done
	if r.err != nil {
		t.Fatalf("second Acquire after release got %v, want the lock", r.err)
	}
	defer r.release()
	if n := calls.Load(); n != 1 {
		t.Errorf("second Acquire called onWait %d times, want 1", n)
	}
	// The second holder now excludes a third.
	waiting3, done3, _ := acquireAsync(context.Background(), dir, "shop")
	<-waiting3
	select {
	case r3 := <-done3:
		t.Fatalf("third Acquire returned (err %v) while the second held the lock, want it to wait", r3.err)
	default:
	}
	if err := r.release(); err != nil {
		t.Fatal(err)
	}
	r3 := <-done3
	if r3.err != nil {
		t.Fatalf("third Acquire got %v, want the lock", r3.err)
	}
	r3.release()
}

func TestCancelWhileWaiting(t *testing.T) {
	dir := lockDir(t)
	release := mustAcquire(t, dir, "shop")
	defer release()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	waiting, done, _ := acquireAsync(ctx, dir, "shop")
	<-waiting
	cancel()
	r := <-done
	if !errors.Is(r.err, context.Canceled) {
		t.Fatalf("Acquire cancelled while waiting got %v, want an error wrapping context.Canceled", r.err)
	}
	if r.release != nil {
		t.Errorf("Acquire cancelled while waiting returned a release func, want nil")
	}
	if !strings.Contains(r.err.Error(), "shop") {
		t.Errorf("Acquire cancelled error %q does not name the project", r.err)
	}
}

func TestAcquireWithDoneContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Acquire(ctx, lockDir(t), "shop", "", nil)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Acquire(cancelled ctx) got %v, want context.Canceled", err)
	}
}

func TestAcquireRejects(t *testing.T) {
	openDir := filepath.Join(t.TempDir(), "open")
	if err := os.Mkdir(openDir, 0o700); err != nil {
		t.Fatal(err)
	}
	// Chmod after Mkdir: the umask would otherwise hide the write bits.
	if err := os.Chmod(openDir, 0o777); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	linkDir := t.TempDir()
	if err := os.Symlink(filepath.Join(t.TempDir(), "elsewhere"), filepath.Join(linkDir, "shop.lock")); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, dir, project, want string
	}{
		{"empty project", lockDir(t), "", "cannot name a lock file"},
		{"dot", lockDir(t), ".", "cannot name a lock file"},
		{"dot dot", lockDir(t), "..", "cannot name a lock file"},
		{"slash", lockDir(t), "a/b", "cannot name a lock file"},
		{"empty dir", "", "shop", "lock directory is empty"},
		{"world-writable dir", openDir, "shop", "writable by others"},
		{"dir is a file", file, "shop", "not a directory"},
		{"lock file is a symlink", linkDir, "shop", "not a regular file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			release, err := Acquire(context.Background(), tt.dir, tt.project, "", nil)
			if err == nil {
				release()
				t.Fatalf("Acquire(%q, %q) got the lock, want an error containing %q", tt.dir, tt.project, tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Acquire(%q, %q) got error %q, want it to contain %q", tt.dir, tt.project, err, tt.want)
			}
		})
	}
}

func TestDefaultDir(t *testing.T) {
	uid := "berth-" + strconv.Itoa(os.Getuid())
	tests := []struct {
		name    string
		environ map[string]string
		want    string
	}{
		{"runtime dir", map[string]string{"XDG_RUNTIME_DIR": "/run/user/1000", "TMPDIR": "/var/tmp"}, "/run/user/1000/berth"},
		{"relative runtime dir is ignored", map[string]string{"XDG_RUNTIME_DIR": "run", "TMPDIR": "/var/tmp"}, "/var/tmp/" + uid},
		{"TMPDIR", map[string]string{"TMPDIR": "/var/tmp/"}, "/var/tmp/" + uid},
		{"nothing set", nil, "/tmp/" + uid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DefaultDir(tt.environ); got != tt.want {
				t.Errorf("DefaultDir(%v) got %q, want %q", tt.environ, got, tt.want)
			}
		})
	}
}

func TestHostLockIsNotAProjectLock(t *testing.T) {
	dir := lockDir(t)
	project := mustAcquire(t, dir, "subnets")
	defer project()
	release, err := Host(context.Background(), dir, "subnets")
	if err != nil {
		t.Fatalf("Host(subnets) while project subnets is locked: %v", err)
	}
	defer release()
	if _, err := os.Stat(filepath.Join(dir, "host.subnets.lock")); err != nil {
		t.Errorf("host lock file: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := Host(ctx, dir, "subnets"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Host(subnets) while held got %v, want to wait until the context ends", err)
	}
}

// A waiter is told who holds the lock, as the holder described itself, and
// the next holder's description replaces it.
func TestWaiterLearnsTheHolder(t *testing.T) {
	dir := lockDir(t)
	first, err := Acquire(context.Background(), dir, "shop", "berth up (pid 1)", nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var told string
	_, err = Acquire(ctx, dir, "shop", "berth down (pid 2)", func(holder string) {
		told = holder
		cancel()
	})
	if !errors.Is(err, context.Canceled) || told != "berth up (pid 1)" {
		t.Errorf("waiter got %v and was told %q, want context.Canceled and %q", err, told, "berth up (pid 1)")
	}
	if err := first(); err != nil {
		t.Fatal(err)
	}
	second, err := Acquire(context.Background(), dir, "shop", "x", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer second()
	if got := holder(filepath.Join(dir, "shop.lock")); got != "x" {
		t.Errorf("lock file names %q after the second holder took it, want %q", got, "x")
	}
}
