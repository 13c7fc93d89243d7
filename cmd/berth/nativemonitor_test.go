//go:build !berthnonative

package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/berth-dev/berth/engine/native/monitorproc"
)

func TestMonitorExecutable(t *testing.T) {
	for _, tc := range []struct {
		name    string
		install func(t *testing.T, path string) // nil: nothing beside berth
		lean    bool
	}{
		{name: "installed", install: func(t *testing.T, p string) { write(t, p, 0o755) }, lean: true},
		{name: "missing"},
		{name: "not executable", install: func(t *testing.T, p string) { write(t, p, 0o644) }},
		{name: "a directory", install: func(t *testing.T, p string) {
			if err := os.Mkdir(p, 0o755); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			lean := filepath.Join(dir, monitorName)
			if tc.install != nil {
				tc.install(t, lean)
			}
			want := "/usr/bin/berth"
			if tc.lean {
				want = lean
			}
			if got := monitorExecutable(dir, "/usr/bin/berth"); got != want {
				t.Errorf("monitorExecutable = %s, want %s", got, want)
			}
		})
	}
}

func write(t *testing.T, path string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte("#!/bin/true\n"), mode); err != nil {
		t.Fatal(err)
	}
}

func TestNativeHidden(t *testing.T) {
	for _, tc := range []struct {
		args    []string
		hidden  bool
		wantErr bool // when run
	}{
		{args: []string{"berth", "ps"}},
		{args: []string{"berth"}},
		{args: []string{"berth", "native-monitor"}, hidden: true, wantErr: true},
		{args: []string{"berth", "native-teardown", "a", "b"}, hidden: true, wantErr: true},
	} {
		run := nativeHidden(tc.args)
		if (run != nil) != tc.hidden {
			t.Errorf("nativeHidden(%q) = %v, want hidden %v", tc.args, run != nil, tc.hidden)
			continue
		}
		if run != nil {
			if err := run(); (err != nil) != tc.wantErr {
				t.Errorf("nativeHidden(%q)() = %v, want error %v", tc.args, err, tc.wantErr)
			}
		}
	}
}

// A build without the native engine recognises its hidden commands by
// these names to hand them over (see native_absent.go); they must be the
// names the engine runs berth with.
func TestHiddenCommandNames(t *testing.T) {
	if monitorCommand != monitorproc.Command || teardownCommand != monitorproc.TeardownCommand {
		t.Errorf("monitorCommand, teardownCommand = %q, %q; monitorproc has %q, %q", monitorCommand, teardownCommand, monitorproc.Command, monitorproc.TeardownCommand)
	}
}
