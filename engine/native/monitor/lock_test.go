package monitor

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

func TestLock(t *testing.T) {
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
	// The holder wrote its pid, and the refused Lock left it alone.
	b, err := os.ReadFile(filepath.Join(dir, MonitorPidFile))
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != strconv.Itoa(os.Getpid()) {
		t.Errorf("monitor.pid %q, want the holder's pid %d", b, os.Getpid())
	}
	f.Close()
	locked(false)
	g, err := Lock(dir)
	if err != nil {
		t.Fatalf("Lock after the holder let go: %v", err)
	}
	g.Close()
}
