package main

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/berth-dev/berth/engine"
)

// TestUpBuildRefusals: up refuses, before changing anything, a build whose
// context is missing and a build that --no-build forbids; down and ps do
// not care about build contexts.
func TestUpBuildRefusals(t *testing.T) {
	const missingContext = "services:\n  web:\n    build: ./nope\n"
	tests := []struct {
		name    string
		compose string
		args    []string
		want    string // the final line; $DIR is the project directory
	}{
		{"context missing", missingContext, []string{"up", "-d"},
			`berth: service "web": build context "$DIR/nope" does not exist: fix build.context in compose.yaml`},
		{"context missing, dry run", missingContext, []string{"--dry-run", "up", "-d"},
			`berth: service "web": build context "$DIR/nope" does not exist: fix build.context in compose.yaml`},
		{"no-build", "services:\n  web:\n    build: .\n", []string{"up", "-d", "--no-build"},
			`berth: service "web": image "shop-web" not found locally and --no-build given: drop --no-build to build it, or load it (docker load)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, tt.compose)
			code, _, stderr := h.run(tt.args...)
			want := strings.ReplaceAll(tt.want, "$DIR", filepath.Dir(h.file))
			if code != 1 || strings.TrimSpace(stderr) != want {
				t.Errorf("berth %v got exit %d stderr %q, want 1 and %q", tt.args, code, stderr, want)
			}
			if m := h.f.Mutations(); len(m) != 0 {
				t.Errorf("berth %v made changes %v, want none", tt.args, m)
			}
		})
	}
	for _, args := range [][]string{{"down"}, {"ps"}} {
		t.Run(args[0], func(t *testing.T) {
			h := newHarness(t, missingContext)
			h.mustRun(0, args...)
		})
	}
}

// TestBuild: berth build builds the services with a build section, named
// or all, with the flags in each build's spec, and skips the others.
func TestBuild(t *testing.T) {
	const compose = `
services:
  web:
    build: {context: ., args: {FROM_FILE: file}}
    depends_on: [api]
  api:
    build: .
  db:
    image: app:latest
`
	tests := []struct {
		name  string
		args  []string
		env   map[string]string
		built []string // "tag NoCache Pull ARGS"
	}{
		{name: "all", args: []string{"build"},
			built: []string{"shop-api false false", "shop-web false false FROM_FILE=file"}},
		{name: "one", args: []string{"build", "web"},
			built: []string{"shop-web false false FROM_FILE=file"}},
		{name: "with dependencies", args: []string{"build", "--with-dependencies", "web"},
			built: []string{"shop-api false false", "shop-web false false FROM_FILE=file"}},
		{name: "not built", args: []string{"build", "db"}},
		{name: "flags", args: []string{"build", "--no-cache", "--pull", "--build-arg", "FROM_FILE=flag", "--build-arg", "FROM_ENV", "--build-arg", "UNSET", "web"},
			env:   map[string]string{"FROM_ENV": "env"},
			built: []string{"shop-web true true FROM_ENV=env FROM_FILE=flag UNSET=<nil>"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, compose)
			if err := os.WriteFile(filepath.Join(filepath.Dir(h.file), "Dockerfile"), []byte("FROM scratch\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			maps.Copy(h.env, tt.env)
			var mu sync.Mutex
			var built []string
			h.f.Hooks.BuildImage = func(_ context.Context, spec engine.BuildSpec) error {
				line := fmt.Sprintf("%s %v %v", spec.Tag, spec.NoCache, spec.Pull)
				for _, k := range slices.Sorted(maps.Keys(spec.Args)) {
					v := "<nil>"
					if p := spec.Args[k]; p != nil {
						v = *p
					}
					line += " " + k + "=" + v
				}
				mu.Lock()
				built = append(built, line)
				mu.Unlock()
				return nil
			}
			h.mustRun(0, tt.args...)
			slices.Sort(built)
			if !slices.Equal(built, tt.built) {
				t.Errorf("berth %v built %q, want %q", tt.args, built, tt.built)
			}
			if cs := h.containers(); len(cs) != 0 {
				t.Errorf("berth %v created containers %v, want none", tt.args, cs)
			}
		})
	}
}

// TestBuildQuiet: -q keeps the builder's output off the terminal.
func TestBuildQuiet(t *testing.T) {
	for _, quiet := range []bool{false, true} {
		h := newHarness(t, "services:\n  web:\n    build: .\n")
		if err := os.WriteFile(filepath.Join(filepath.Dir(h.file), "Dockerfile"), []byte("FROM scratch\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		args := []string{"build"}
		if quiet {
			args = append(args, "-q")
		}
		stdout, stderr := h.mustRun(0, args...)
		if got := strings.Contains(stdout+stderr, "fake: built shop-web"); got == quiet {
			t.Errorf("berth %v printed %q, want the build output %v", args, stdout+stderr, !quiet)
		}
	}
}
