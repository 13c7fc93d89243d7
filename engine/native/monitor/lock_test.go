package monitor

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"
)

func TestLockAndClaim(t *testing.T) {
	dir := t.TempDir()
	locked := func(want bool) {
		t.Helper()
		got, err := Locked(dir)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Fatalf("Locked = %v, want %v", got, want)
		}
	}
	locked(false) // no lock file yet
	f, err := Lock(dir)
	if err != nil {
		t.Fatal(err)
	}
	locked(true)
	// Looking did not take it: the holder still has it, and a second
	// monitor is refused.
	locked(true)
	if g, err := Lock(dir); !errors.Is(err, ErrLocked) {
		if g != nil {
			g.Close()
		}
		t.Fatalf("second Lock: %v, want ErrLocked", err)
	}

	// The monitor's copy, as it inherits it: the same open file.
	fd, err := unix.Dup(int(f.Fd()))
	if err != nil {
		t.Fatal(err)
	}
	m, err := Claim(dir, uintptr(fd))
	if err != nil {
		unix.Close(fd)
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, MonitorPidFile))
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != strconv.Itoa(os.Getpid()) {
		t.Errorf("monitor.pid %q, want the claimer's pid %d", b, os.Getpid())
	}
	// The engine lets go of its copy once the monitor runs: the monitor
	// still holds the lock, until it ends.
	f.Close()
	locked(true)
	m.Close()
	locked(false)

	// A file that is not the lock, or no file, is refused.
	other, err := os.Create(filepath.Join(dir, "other"))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if g, err := Claim(dir, other.Fd()); err == nil {
		g.Close()
		t.Error("Claim of another file succeeded")
	}
	if g, err := Claim(dir, 1000); err == nil {
		g.Close()
		t.Error("Claim of a closed fd succeeded")
	}
}
