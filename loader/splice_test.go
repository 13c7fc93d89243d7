package loader

import (
	"context"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
)

// spliceFixture touches what compose-go links across services: the implicit
// default network (db and job use it), depends_on, network_mode and
// volumes_from on another service, links, container names, env files,
// secrets, configs, interpolation and the top-level resources.
const spliceFixture = `name: sp
x-note: kept in the frame
services:
  db:
    image: postgres:16
    environment:
      POSTGRES_PASSWORD: ${DB_PASS:-secret}
      TAG:
      NOT_SET:
    volumes: [data:/var/lib/postgresql/data]
    healthcheck: {test: ["CMD", "pg_isready"], interval: 5s}
  api:
    image: api:1
    depends_on:
      db: {condition: service_healthy}
    env_file: [api.env]
    ports: ["8080:80"]
    networks: [front, back]
    secrets: [token]
  worker:
    image: worker:1
    network_mode: service:api
    volumes_from: [db]
  web:
    build: ./web
    links: [api]
    networks: [front]
    container_name: sp-web
  job:
    image: job:1
    deploy: {replicas: 2}
    configs: [conf]
networks:
  front: {}
  back: {}
volumes:
  data: {}
secrets:
  token: {file: ./token.txt}
configs:
  conf: {content: "hello"}
`

// TestSpliceMatchesFullLoad edits the fixture and loads it twice: through
// the cache, where the base of the first load lets berth load only the
// changed services, and from scratch. The two must give the same project,
// or the same error; splice says which edits must take the short way, so
// that a test of the short way cannot pass by always taking the long one.
func TestSpliceMatchesFullLoad(t *testing.T) {
	// explicit has every service on a declared network: the default
	// network is in no load but the reduced one.
	explicit := "services:\n  a:\n    image: a:1\n    networks: [n]\n  b:\n    image: b:1\n    networks: [n]\n    depends_on: [a]\nnetworks:\n  n: {}\n"
	// lists has the list forms of environment and command.
	lists := "services:\n  a:\n    image: a:1\n    environment: [A=1, B=2]\n    command: [sleep, \"1\"]\n  b:\n    image: b:1\n"
	const (
		full      = fromCompose   // no splice: a full load
		checked   = fromSplice    // compose-go checked the changed services
		unchecked = fromValueEdit // only values changed that need no check
	)
	cases := []struct {
		name    string
		fixture string // spliceFixture when empty
		edit    func(string) string
		src     source
		edited  string // the services Options.Edited is told of, space-separated
	}{
		{"image changed", "", replace("image: api:1", "image: api:2"), unchecked, "api"},
		{"dependency added", "", replace("    image: job:1\n", "    image: job:1\n    depends_on: [api]\n"), checked, "job"},
		{"value interpolated", "", replace("image: worker:1", "image: worker:${TAG:-3}"), unchecked, "worker"},
		{"environment value changed", "", replace("${DB_PASS:-secret}", "${DB_PASS:-other}"), unchecked, "db"},
		{"environment value made a number", "", replace("      TAG:\n", "      TAG: 5\n"), unchecked, "db"},
		{"port changed", "", replace("8080:80", "8081:80"), checked, "api"},
		{"default network left by one of its users", "", replace("    deploy: {replicas: 2}\n", "    deploy: {replicas: 2}\n    networks: [back]\n"), checked, "job"},
		{"two services changed", "", func(s string) string {
			return replace("image: job:1", "image: job:2")(replace("interval: 5s", "interval: 7s")(s))
		}, checked, "db job"},
		{"comment only", "", replace("    container_name: sp-web\n", "    container_name: sp-web\n    # a note\n"), unchecked, "web"},
		{"env file added", "", replace("    image: job:1\n", "    image: job:1\n    env_file: [job.env]\n"), checked, "job"},
		{"dependency cycle", "", replace("    image: postgres:16\n", "    image: postgres:16\n    depends_on: [worker]\n"), full, ""},
		{"undefined network", "", replace("networks: [front, back]", "networks: [front, nope]"), full, ""},
		{"undefined dependency", "", replace("    image: job:1\n", "    image: job:1\n    depends_on: [ghost]\n"), full, ""},
		{"container name taken", "", replace("    image: worker:1\n", "    image: worker:1\n    container_name: sp-web\n"), full, ""},
		{"unknown key", "", replace("image: job:1", "imag: job:1"), full, ""},
		{"image made a number", "", replace("image: job:1", "image: 5"), full, ""},
		{"environment value made a mapping", "", replace("      NOT_SET:\n", "      NOT_SET: {a: 1}\n"), full, ""},
		{"top level changed", "", replace("  front: {}", "  front: {internal: true}"), full, ""},
		{"service added", "", func(s string) string {
			return strings.Replace(s, "networks:\n  front", "  extra:\n    image: extra:1\nnetworks:\n  front", 1)
		}, full, ""},
		{"service renamed", "", replace("  worker:\n", "  worker2:\n"), full, ""},
		{"no default network", explicit, replace("image: b:1", "image: b:2"), unchecked, "b"},
		{"default network joined", explicit, replace("    image: b:1\n    networks: [n]\n", "    image: b:1\n"), checked, "b"},
		{"environment list item changed", lists, replace("A=1", "A=3"), checked, "a"},
		{"environment list item duplicated", lists, replace("A=1", "B=2"), checked, "a"},
		{"command item changed", lists, replace(`"1"`, `"2"`), unchecked, "a"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fixture := tc.fixture
			if fixture == "" {
				fixture = spliceFixture
			}
			dir := spliceDir(t, fixture)
			environ := map[string]string{"HOME": "/home/user", "TAG": "9"}
			var edited []string
			opts := Options{WorkingDir: dir, Environ: environ, CacheDir: t.TempDir(),
				Edited: func(s []string) { edited = append(edited, s...) }}
			if _, src, err := loadVia(context.Background(), opts); err != nil || src != fromCompose {
				t.Fatalf("first load got source %d, error %v; want a full load", src, err)
			}
			if edited != nil {
				t.Fatalf("first load told Edited of %q, want nothing", edited)
			}
			writeFile(t, filepath.Join(dir, "compose.yaml"), tc.edit(fixture))

			got, src, err := loadVia(context.Background(), opts)
			if got := strings.Join(edited, " "); got != tc.edited {
				t.Errorf("load after the edit told Edited of %q, want %q", got, tc.edited)
			}
			want, wantErr := Load(context.Background(), Options{WorkingDir: dir, Environ: environ})
			if src != tc.src {
				t.Errorf("load after the edit got source %d, want %d", src, tc.src)
			}
			if wantErr != nil {
				if err == nil || err.Error() != wantErr.Error() {
					t.Fatalf("load after the edit got error %v, want %v", err, wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("load after the edit got error %v, want none", err)
			}
			assertSameProject(t, want, got)

			// What the splice stored serves the next run, which edited nothing.
			edited = nil
			again, src, err := loadVia(context.Background(), opts)
			if err != nil || src != fromCache {
				t.Fatalf("load after the splice got source %d, error %v; want a cache hit", src, err)
			}
			if edited != nil {
				t.Errorf("cache hit told Edited of %q, want nothing", edited)
			}
			assertSameProject(t, want, again)
		})
	}
}

// TestSpliceEnvironment changes the environment between the base and the
// edit of job. A variable only the edited text reads, or none reads, leaves
// the splice possible; one the unchanged services or berth itself read
// must force the full load, as their values would be stale.
func TestSpliceEnvironment(t *testing.T) {
	base := map[string]string{"HOME": "/home/user", "TAG": "9", "OLDPWD": "/a"}
	with := func(k, v string) map[string]string {
		m := maps.Clone(base)
		if v == "" {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	cases := []struct {
		name    string
		environ map[string]string
		splice  bool
	}{
		{"unchanged", base, true},
		{"unread variable changed", with("OLDPWD", "/b"), true},
		{"unread variable set", with("HYPERFINE_RANDOMIZED_ENVIRONMENT_OFFSET", "42"), true},
		{"variable of the edited service set", with("JOB_TAG", "5"), true},
		{"variable of an unchanged service changed", with("TAG", "10"), false},
		{"variable of an unchanged service unset", with("TAG", ""), false},
		{"variable of an unchanged service set", with("DB_PASS", "hunter2"), false},
		{"variable berth reads set", with("DOCKER_DEFAULT_PLATFORM", "linux/arm64"), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := spliceDir(t, spliceFixture)
			cacheDir := t.TempDir()
			if _, err := Load(context.Background(), Options{WorkingDir: dir, Environ: base, CacheDir: cacheDir}); err != nil {
				t.Fatal(err)
			}
			writeFile(t, filepath.Join(dir, "compose.yaml"), replace("image: job:1", "image: job:${JOB_TAG:-1}")(spliceFixture))
			got, src, err := loadVia(context.Background(), Options{WorkingDir: dir, Environ: tc.environ, CacheDir: cacheDir})
			if err != nil {
				t.Fatalf("load after the edit got error %v", err)
			}
			if spliced(src) != tc.splice {
				t.Errorf("load after the edit got source %d, want splice=%v", src, tc.splice)
			}
			want, err := Load(context.Background(), Options{WorkingDir: dir, Environ: tc.environ})
			if err != nil {
				t.Fatal(err)
			}
			assertSameProject(t, want, got)
		})
	}
}

// TestSpliceKeepsDependencies: a project spliced from a base still depends
// on the env files of the services it did not reload, and a later edit of
// one of those files is seen.
func TestSpliceKeepsDependencies(t *testing.T) {
	dir := spliceDir(t, spliceFixture)
	environ := map[string]string{"HOME": "/home/user"}
	opts := Options{WorkingDir: dir, Environ: environ, CacheDir: t.TempDir()}
	if _, err := Load(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "compose.yaml"), replace("image: job:1", "image: job:2")(spliceFixture))
	if _, src, err := loadVia(context.Background(), opts); err != nil || !spliced(src) {
		t.Fatalf("load after the edit got source %d, error %v; want a splice", src, err)
	}
	writeFile(t, filepath.Join(dir, "api.env"), "API_MODE=changed\n")
	got, src, err := loadVia(context.Background(), opts)
	if err != nil || src == fromCache {
		t.Fatalf("load after the env file changed got source %d, error %v; want no cache hit", src, err)
	}
	if v := got.Services["api"].Environment["API_MODE"]; v == nil || *v != "changed" {
		t.Errorf("api's API_MODE after the env file changed got %v, want changed", v)
	}
}

// TestSpliceRefused lists files a splice must not touch: the full load
// handles them, however the edit looks.
func TestSpliceRefused(t *testing.T) {
	cases := []struct {
		name, file, old, new string
	}{
		{"anchor", "x-base: &base {image: a:1}\nservices:\n  a: *base\n  b:\n    image: b:1\n", "b:1", "b:2"},
		{"extends", "services:\n  a:\n    image: a:1\n  b:\n    extends: a\n", "a:1", "a:2"},
		{"flow services", "services: {a: {image: a:1}, b: {image: b:1}}\n", "b:1", "b:2"},
		{"profiles", "services:\n  a:\n    image: a:1\n  b:\n    image: b:1\n    profiles: [debug]\n", "a:1", "a:2"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := spliceDir(t, tc.file)
			opts := Options{WorkingDir: dir, Environ: map[string]string{"HOME": "/home/user"}, CacheDir: t.TempDir()}
			if _, err := Load(context.Background(), opts); err != nil {
				t.Fatal(err)
			}
			writeFile(t, filepath.Join(dir, "compose.yaml"), replace(tc.old, tc.new)(tc.file))
			got, src, err := loadVia(context.Background(), opts)
			if err != nil || src != fromCompose {
				t.Fatalf("load after the edit got source %d, error %v; want a full load", src, err)
			}
			want, err := Load(context.Background(), Options{WorkingDir: dir, Environ: opts.Environ})
			if err != nil {
				t.Fatal(err)
			}
			assertSameProject(t, want, got)
		})
	}
}

// spliced says whether a load took the short way, checked or not.
func spliced(src source) bool { return src == fromSplice || src == fromValueEdit }

func replace(old, new string) func(string) string {
	return func(s string) string {
		if !strings.Contains(s, old) {
			panic("fixture has no " + old)
		}
		return strings.Replace(s, old, new, 1)
	}
}

// spliceDir writes compose.yaml and the files the fixture reads.
func spliceDir(t *testing.T, compose string) string {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "compose.yaml"), compose)
	writeFile(t, filepath.Join(dir, "api.env"), "API_MODE=fast\n")
	writeFile(t, filepath.Join(dir, "job.env"), "JOB=1\n")
	writeFile(t, filepath.Join(dir, "token.txt"), "t0k3n\n")
	return dir
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestSpliceRoundTripFixtures edits each service of the cache's round-trip
// fixtures in turn (a comment, so that every fixture stays valid) and
// checks the load after the edit against a fresh one: the services taken
// from the cached project must come back exactly as a full load makes them.
func TestSpliceRoundTripFixtures(t *testing.T) {
	splices := 0
	for _, tc := range roundTripCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "project")
			if err := os.CopyFS(dir, os.DirFS(tc.opts.WorkingDir)); err != nil {
				t.Fatal(err)
			}
			opts := tc.opts
			opts.WorkingDir = dir
			fresh, err := Load(context.Background(), opts)
			if err != nil {
				t.Fatal(err)
			}
			file := filepath.Join(dir, "compose.yaml")
			orig, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			opts.CacheDir = t.TempDir()
			for name := range fresh.Services {
				key := "\n  " + name + ":"
				at := strings.Index(string(orig), key)
				if at < 0 {
					continue
				}
				eol := at + len(key) + strings.IndexByte(string(orig[at+len(key):]), '\n')
				edited := string(orig[:eol]) + "\n    # edited " + name + string(orig[eol:])
				if _, err := Load(context.Background(), opts); err != nil {
					t.Fatal(err)
				}
				writeFile(t, file, edited)
				got, src, err := loadVia(context.Background(), opts)
				if spliced(src) {
					splices++
				}
				if err != nil {
					t.Fatalf("load after editing %s got error %v", name, err)
				}
				assertSameProject(t, fresh, got)
				writeFile(t, file, string(orig))
			}
		})
	}
	// Most fixtures have profiles or several files, but not all: some
	// edits must have taken the short way for this test to test it.
	if splices == 0 {
		t.Error("no edit of any fixture was spliced")
	}
}

// TestBackgroundWrites: with Options.Background, the full load and the
// splice hand their cache writes to the caller instead of writing, and
// what they hand over is what the next run finds.
func TestBackgroundWrites(t *testing.T) {
	dir := spliceDir(t, spliceFixture)
	var pending []func()
	opts := Options{WorkingDir: dir, Environ: map[string]string{"HOME": "/home/user"}, CacheDir: t.TempDir(),
		Background: func(write func()) { pending = append(pending, write) }}
	var last *types.Project
	// The writes encode the project while the caller reads it, as an up
	// plans from it: under the race detector, this checks they only read.
	runPending := func() {
		done := make(chan struct{})
		go func() {
			defer close(done)
			for _, w := range pending {
				w()
			}
		}()
		if _, err := json.Marshal(last); err != nil {
			t.Error(err)
		}
		<-done
		pending = nil
	}
	steps := []struct {
		name   string
		before func()
		want   source
		writes int // entry, and base when the load can be one
	}{
		{"first load", func() {}, fromCompose, 2},
		{"load before the writes ran", func() { pending = nil }, fromCompose, 2},
		{"load after the writes ran", runPending, fromCache, 0},
		{"edit", func() {
			writeFile(t, filepath.Join(dir, "compose.yaml"), replace("image: job:1", "image: job:2")(spliceFixture))
		}, fromValueEdit, 2},
		{"load after the splice's writes ran", runPending, fromCache, 0},
	}
	for _, st := range steps {
		st.before()
		p, src, err := loadVia(context.Background(), opts)
		if err != nil || src != st.want {
			t.Fatalf("%s got source %d, error %v; want source %d", st.name, src, err, st.want)
		}
		if len(pending) != st.writes {
			t.Errorf("%s handed over %d writes, want %d", st.name, len(pending), st.writes)
		}
		last = p
	}
}
