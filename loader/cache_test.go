package loader

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/sirupsen/logrus"
)

// cacheProject is a project that reads every kind of input the cache key
// and the dependency list must cover.
var cacheProject = map[string]string{
	"compose.yaml": `services:
  web:
    image: web:${TAG}
    env_file:
      - path: web.env
      - path: optional.env
        required: false
    label_file: web.labels
    environment:
      - PASSED
  db:
    image: db:1
  tool:
    image: tool:1
    profiles: [tools]
`,
	".env":       "TAG=from-dotenv\n",
	"web.env":    "FROM_ENV_FILE=one\nFROM_LATE=${LATE:-none}\n",
	"web.labels": "from.label.file=one\n",
}

// TestCacheInvalidation changes one input at a time after a project was
// cached, and checks that the next load does not serve the old entry. The
// entry is poisoned first (every image "poisoned"), so a stale hit cannot
// go unnoticed.
func TestCacheInvalidation(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(dir string, o *Options) error
		check  func(t *testing.T, dir string, o Options) // what the fresh load must show
	}{
		{"compose file", func(dir string, _ *Options) error {
			return appendFile(filepath.Join(dir, "compose.yaml"), "  extra:\n    image: extra:1\n")
		}, wantService("extra")},
		{".env", func(dir string, _ *Options) error {
			return os.WriteFile(filepath.Join(dir, ".env"), []byte("TAG=changed\n"), 0o644)
		}, wantImage("web", "web:changed")},
		{"environment variable used", func(_ string, o *Options) error {
			o.Environ = map[string]string{"TAG": "from-environ"}
			return nil
		}, wantImage("web", "web:from-environ")},
		{"environment variable set", func(_ string, o *Options) error {
			o.Environ = map[string]string{"PASSED": "yes"}
			return nil
		}, wantEnv("web", "PASSED", "yes")},
		{"environment variable named in an env_file", func(_ string, o *Options) error {
			o.Environ = map[string]string{"LATE": "set"}
			return nil
		}, wantEnv("web", "FROM_LATE", "set")},
		{"env_file", func(dir string, _ *Options) error {
			return os.WriteFile(filepath.Join(dir, "web.env"), []byte("FROM_ENV_FILE=two\n"), 0o644)
		}, wantEnv("web", "FROM_ENV_FILE", "two")},
		{"optional env_file appears", func(dir string, _ *Options) error {
			return os.WriteFile(filepath.Join(dir, "optional.env"), []byte("OPTIONAL=here\n"), 0o644)
		}, wantEnv("web", "OPTIONAL", "here")},
		{"label_file", func(dir string, _ *Options) error {
			return os.WriteFile(filepath.Join(dir, "web.labels"), []byte("from.label.file=two\n"), 0o644)
		}, wantLabel("web", "from.label.file", "two")},
		{"override file appears", func(dir string, _ *Options) error {
			return os.WriteFile(filepath.Join(dir, "compose.override.yaml"), []byte("services:\n  db:\n    image: db:override\n"), 0o644)
		}, wantImage("db", "db:override")},
		{"profiles", func(_ string, o *Options) error {
			o.Profiles = []string{"tools"}
			return nil
		}, wantService("tool")},
		{"selected services", func(_ string, o *Options) error {
			o.Services = []string{"db"}
			return nil
		}, wantImage("db", "db:1")},
		{"project name", func(_ string, o *Options) error {
			o.ProjectName = "other"
			return nil
		}, wantImage("web", "web:from-dotenv")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := tree(t, cacheProject)
			opts := Options{WorkingDir: dir, Environ: map[string]string{}, CacheDir: t.TempDir()}
			if _, cached, err := load(context.Background(), opts); err != nil || cached {
				t.Fatalf("first load got cached=%v, error %v, want a fresh load", cached, err)
			}
			poison(t, opts.CacheDir)
			p, cached, err := load(context.Background(), opts)
			if err != nil || !cached || p.Services["web"].Image != "poisoned" {
				t.Fatalf("second load got cached=%v, error %v, want the (poisoned) entry", cached, err)
			}
			if err := tc.change(dir, &opts); err != nil {
				t.Fatal(err)
			}
			tc.check(t, dir, opts)
		})
	}
}

// TestCacheIgnoresUnnamedVariables checks that a variable no input names
// does not invalidate the entry (the environment changes all the time for
// reasons of its own), unless an input holds escape sequences, which could
// name any variable.
func TestCacheIgnoresUnnamedVariables(t *testing.T) {
	escaped := map[string]string{"compose.yaml": "services:\n  a:\n    image: \"a:${T\\x41G:-none}\"\n"}
	for _, tc := range []struct {
		name   string
		files  map[string]string
		after  map[string]string
		cached bool
	}{
		{"plain", cacheProject, map[string]string{"OLDPWD": "/b", "UNRELATED": "1"}, true},
		// TAG appears only as T\x41G, which YAML decodes to TAG.
		{"escapes", escaped, map[string]string{"OLDPWD": "/a", "TAG": "x"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := tree(t, tc.files)
			opts := Options{WorkingDir: dir, Environ: map[string]string{"OLDPWD": "/a"}, CacheDir: t.TempDir()}
			mustLoad(t, opts)
			opts.Environ = tc.after
			p, cached, err := load(context.Background(), opts)
			if err != nil || cached != tc.cached {
				t.Fatalf("load with environment %v got cached=%v, error %v, want cached=%v", tc.after, cached, err, tc.cached)
			}
			if got, want := p.Environment["OLDPWD"], tc.after["OLDPWD"]; got != want {
				t.Errorf("load with environment %v got project environment OLDPWD=%q, want %q", tc.after, got, want)
			}
			if tc.name == "escapes" && p.Services["a"].Image != "a:x" {
				t.Errorf("load of %s got image %q, want %q", tc.name, p.Services["a"].Image, "a:x")
			}
		})
	}
}

// TestCacheRewritesCorruptEntry checks that a damaged entry is replaced by
// the next load, which the one after then uses.
func TestCacheRewritesCorruptEntry(t *testing.T) {
	dir := tree(t, cacheProject)
	opts := Options{WorkingDir: dir, Environ: map[string]string{}, CacheDir: t.TempDir()}
	mustLoad(t, opts)
	files := cacheEntries(t, opts.CacheDir)
	if len(files) != 1 {
		t.Fatalf("cache has %d entries after a load, want 1", len(files))
	}
	if err := os.WriteFile(files[0], []byte("garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	for i, want := range []bool{false, true} {
		p, cached, err := load(context.Background(), opts)
		if err != nil || cached != want || p.Services["web"].Image != "web:from-dotenv" {
			t.Fatalf("load #%d after corrupting the entry got cached=%v, error %v, want cached=%v and the real project", i+1, cached, err, want)
		}
	}
}

// TestCacheDisabled checks that BERTH_NO_CACHE turns the cache off even
// when a directory is given: nothing is read from it or written to it.
func TestCacheDisabled(t *testing.T) {
	dir := tree(t, cacheProject)
	opts := Options{WorkingDir: dir, Environ: map[string]string{"BERTH_NO_CACHE": "1"}, CacheDir: t.TempDir()}
	for i := range 2 {
		if _, cached, err := load(context.Background(), opts); err != nil || cached {
			t.Fatalf("load #%d with BERTH_NO_CACHE=1 got cached=%v, error %v, want a fresh load", i+1, cached, err)
		}
	}
	if files := cacheEntries(t, opts.CacheDir); len(files) != 0 {
		t.Errorf("cache with BERTH_NO_CACHE=1 got entries %v, want none", files)
	}
}

// TestCacheSkipsUnlistedInputs checks that loads reading files the cache
// cannot track are never cached, and that the rest are.
func TestCacheSkipsUnlistedInputs(t *testing.T) {
	for _, tc := range []struct {
		name   string
		files  map[string]string
		cached bool
	}{
		{"plain", map[string]string{"compose.yaml": "services:\n  a:\n    image: a\n"}, true},
		{"extends in the same file", map[string]string{"compose.yaml": "services:\n  base:\n    image: a\n  a:\n    extends: base\n"}, true},
		{"extends from a file", map[string]string{
			"compose.yaml": "services:\n  a:\n    extends:\n      file: base.yaml\n      service: base\n",
			"base.yaml":    "services:\n  base:\n    image: a\n",
		}, false},
		{"include", map[string]string{
			"compose.yaml": "include: [other.yaml]\nservices:\n  a:\n    image: a\n",
			"other.yaml":   "services:\n  b:\n    image: b\n",
		}, false},
		{"develop watch", map[string]string{
			"compose.yaml": "services:\n  a:\n    image: a\n    develop:\n      watch:\n        - path: ./src\n          action: sync\n          target: /src\n",
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := tree(t, tc.files)
			opts := Options{WorkingDir: dir, Environ: map[string]string{}, CacheDir: t.TempDir()}
			mustLoad(t, opts)
			if _, cached, err := load(context.Background(), opts); err != nil || cached != tc.cached {
				t.Errorf("second load of %s got cached=%v, error %v, want cached=%v", tc.name, cached, err, tc.cached)
			}
		})
	}
}

// TestCacheReplaysWarnings checks that a hit prints what compose-go
// printed when it loaded the project.
func TestCacheReplaysWarnings(t *testing.T) {
	dir := tree(t, map[string]string{"compose.yaml": "version: '3'\nservices:\n  a:\n    image: a:${NOT_SET_ANYWHERE}\n"})
	opts := Options{WorkingDir: dir, Environ: map[string]string{}, CacheDir: t.TempDir()}
	var out bytes.Buffer
	l := logrus.StandardLogger()
	prev, prevFormatter := l.Out, l.Formatter
	l.SetOutput(&out)
	// No timestamps, so that the two loads print the same bytes.
	l.SetFormatter(&logrus.TextFormatter{DisableTimestamp: true})
	t.Cleanup(func() { l.SetOutput(prev); l.SetFormatter(prevFormatter) })

	var printed []string
	for i, want := range []bool{false, true} {
		out.Reset()
		if _, cached, err := load(context.Background(), opts); err != nil || cached != want {
			t.Fatalf("load #%d got cached=%v, error %v, want cached=%v", i+1, cached, err, want)
		}
		printed = append(printed, out.String())
	}
	if !strings.Contains(printed[0], `\"NOT_SET_ANYWHERE\" variable is not set`) {
		t.Fatalf("fresh load printed %q, want the unset variable warning", printed[0])
	}
	for level, hooks := range l.ReplaceHooks(make(logrus.LevelHooks)) {
		if len(hooks) > 0 {
			t.Errorf("after the loads logrus has %d %s hooks, want the recorder removed", len(hooks), level)
		}
	}
	if printed[1] != printed[0] {
		t.Errorf("cached load printed %q, want what the fresh load printed, %q", printed[1], printed[0])
	}
}

func appendFile(path, s string) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	_, err = f.WriteString(s)
	return errors.Join(err, f.Close())
}

// freshLoad loads for a check: it must not be the poisoned entry.
func freshLoad(t *testing.T, o Options) *types.Project {
	t.Helper()
	p := mustLoad(t, o)
	for name, s := range p.Services {
		if s.Image == "poisoned" {
			t.Fatalf("load after the change served the stale cache entry (service %s)", name)
		}
	}
	return p
}

func wantService(name string) func(*testing.T, string, Options) {
	return func(t *testing.T, _ string, o Options) {
		t.Helper()
		if _, ok := freshLoad(t, o).Services[name]; !ok {
			t.Errorf("load after the change got no service %s, want one", name)
		}
	}
}

func wantImage(service, image string) func(*testing.T, string, Options) {
	return func(t *testing.T, _ string, o Options) {
		t.Helper()
		if got := freshLoad(t, o).Services[service].Image; got != image {
			t.Errorf("load after the change got image %q for %s, want %q", got, service, image)
		}
	}
}

func wantEnv(service, key, value string) func(*testing.T, string, Options) {
	return func(t *testing.T, _ string, o Options) {
		t.Helper()
		if got := env(freshLoad(t, o), service, key); got != value {
			t.Errorf("load after the change got %s=%q for %s, want %q", key, got, service, value)
		}
	}
}

func wantLabel(service, key, value string) func(*testing.T, string, Options) {
	return func(t *testing.T, _ string, o Options) {
		t.Helper()
		if got := freshLoad(t, o).Services[service].Labels[key]; got != value {
			t.Errorf("load after the change got label %s=%q for %s, want %q", key, got, service, value)
		}
	}
}

// TestCacheSharedAcrossNoDeps checks that loading the whole project with and
// without NoDeps shares one entry (ps after up must hit), while a selection
// keeps them apart, since there the two load different services.
func TestCacheSharedAcrossNoDeps(t *testing.T) {
	for _, tc := range []struct {
		name     string
		services []string
		cached   bool
	}{
		{"whole project", nil, true},
		{"selected service", []string{"web"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := tree(t, cacheProject)
			opts := Options{WorkingDir: dir, Services: tc.services, CacheDir: t.TempDir()}
			mustLoad(t, opts)
			opts.NoDeps = true
			_, cached, err := load(context.Background(), opts)
			if err != nil || cached != tc.cached {
				t.Fatalf("load of %v with NoDeps after one without got cached=%v, error %v, want cached=%v", tc.services, cached, err, tc.cached)
			}
		})
	}
}
