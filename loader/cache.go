package loader

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/compose-spec/compose-go/v2/consts"
	"github.com/compose-spec/compose-go/v2/types"

	"github.com/berth-dev/berth/internal/cache"
)

// Almost all of a load is spent in compose-go (YAML decoding, schema
// validation, interpolation, mapstructure binding), and the result only
// depends on inputs that are cheap to read. So the finished project is
// cached, keyed by everything it is made of:
//
//   - berth's build (version, VCS revision, the executable's size and time)
//     and compose-go's version, so that new code never sees old results;
//   - the options and everything prepare resolved from them: the working
//     and project directories, the compose files' paths and bytes, the
//     variables of the interpolation environment (the environment passed
//     in, merged with the .env files) that the compose files may read (see
//     cachevars.go), the env files for the label, profiles, name;
//   - the process's home directory, which compose-go reads itself;
//   - the files read after that (a service's env_file and label_file) and
//     the variables they may read: the paths are only known once the model
//     is loaded, so the entry lists them with digests of their content and
//     values, checked on every hit.
//
// Loads that read files the loader cannot list (include, extends from
// another file) or that depend on more than file contents (develop.watch
// paths resolve symbolic links) are never cached. The process environment
// is not stored: the project's Environment is rebuilt from the (keyed)
// interpolation environment on a hit.

// cacheFormat names the entry layout and the codec; change it whenever
// either changes meaning.
const cacheFormat = "berth-loader-cache-1"

// maxCacheEntries bounds the cache directory: enough for every project a
// developer works on, small enough (~100 KB per 50 services) to not matter.
const maxCacheEntries = 200

const composeGoModule = "github.com/compose-spec/compose-go/v2"

// DefaultCacheDir is where berth caches loaded projects, from the
// environment: $XDG_CACHE_HOME/berth, else $HOME/.cache/berth. It is empty,
// meaning no cache, when BERTH_NO_CACHE is set to a true value or neither
// variable gives an absolute directory.
func DefaultCacheDir(environ map[string]string) string {
	if cacheDisabled(environ) {
		return ""
	}
	if x := environ["XDG_CACHE_HOME"]; filepath.IsAbs(x) {
		return filepath.Join(x, "berth")
	}
	if h := environ["HOME"]; filepath.IsAbs(h) {
		return filepath.Join(h, ".cache", "berth")
	}
	return ""
}

// cacheDisabled reports BERTH_NO_CACHE=1 (or true, yes: anything but
// empty, 0 and false).
func cacheDisabled(environ map[string]string) bool {
	v := strings.TrimSpace(environ["BERTH_NO_CACHE"])
	return v != "" && v != "0" && !strings.EqualFold(v, "false")
}

// cacheEntry is what one cache file holds. Project has no Environment.
type cacheEntry struct {
	Format   string
	Key      string
	Deps     []dependency
	Vars     []varDep
	Warnings []warning
	Project  *types.Project
}

// dependency is a file read after the key was computed, with its digest.
type dependency struct {
	Path string
	Sum  string
}

// projectCache is the cache for one load.
type projectCache struct {
	dir cache.Dir
	key string
	// env is the interpolation environment before compose-go adds
	// COMPOSE_PROJECT_NAME to it: the project's Environment on a hit.
	env  types.Mapping
	name string
	// identity is buildIdentity, for the base key (splice.go), which only
	// a miss computes.
	identity string
	// background is Options.Background.
	background func(write func())
}

// cacheFor returns the cache for in, or nil when caching is off.
func (in *input) cacheFor() *projectCache {
	if in.opts.CacheDir == "" || cacheDisabled(in.opts.Environ) {
		return nil
	}
	identity := buildIdentity()
	return &projectCache{
		dir:        cache.Dir{Path: in.opts.CacheDir, Max: maxCacheEntries},
		key:        in.cacheKey(identity),
		env:        maps.Clone(in.env),
		name:       in.name,
		identity:   identity,
		background: in.opts.Background,
	}
}

// cacheKey digests every input of the load but the late dependencies.
func (in *input) cacheKey(identity string) string {
	return in.digestInputs(cacheFormat, identity, true)
}

// digestInputs digests the load's inputs under format. A cache key
// (withContent) takes the compose files' bytes and the variables they may
// read; a base key (splice.go), whose files change between the base and
// the splice, takes only their names, and the base record checks the
// variables itself.
func (in *input) digestInputs(format, identity string, withContent bool) string {
	h := sha256.New()
	w := keyWriter{h}
	w.str(format)
	w.str(identity)
	o := in.opts
	w.list(o.Services)
	// NoDeps only matters when services are selected: `ps` (no deps) and
	// `up` (deps) on the whole project load the same thing and should share
	// an entry, or every `ps` after an `up` misses.
	noDeps := o.NoDeps && len(o.Services) > 0
	w.str(strconv.FormatBool(noDeps) + strconv.FormatBool(o.NoInterpolate) + strconv.FormatBool(o.AllResources))
	w.str(o.Env)
	w.str(o.ProjectName)
	w.str(in.cwd)
	w.str(in.projectDir)
	w.list(in.paths)
	for _, f := range in.files {
		w.str(f.display)
		if withContent {
			w.bytes(f.content)
		}
	}
	if withContent {
		keys := keyedVars(in.env, in.files)
		w.list(keys)
		for _, k := range keys {
			w.str(in.env[k])
		}
	}
	w.list(in.envFiles)
	w.list(in.profiles)
	w.str(in.name)
	// compose-go expands a leading ~ in paths with os.UserHomeDir, the
	// process's HOME rather than Environ's: an input of the load, so a key
	// input, even though the loader itself never reads the process
	// environment.
	home, _ := os.UserHomeDir()
	w.str(home)
	return hex.EncodeToString(h.Sum(nil))
}

// keyWriter length-prefixes every field, so that no two different inputs
// write the same bytes.
type keyWriter struct{ h hash.Hash }

func (w keyWriter) bytes(b []byte) {
	w.h.Write(strconv.AppendInt(nil, int64(len(b)), 10))
	w.h.Write([]byte{':'})
	w.h.Write(b)
}

func (w keyWriter) str(s string) { w.bytes([]byte(s)) }

func (w keyWriter) list(l []string) {
	w.str(strconv.Itoa(len(l)))
	for _, s := range l {
		w.str(s)
	}
}

// buildIdentity names the code doing the load. The executable's size and
// modification time catch development builds, whose version and revision
// stay the same while the code changes.
func buildIdentity() string {
	var b strings.Builder
	if bi, ok := debug.ReadBuildInfo(); ok {
		fmt.Fprintf(&b, "%s@%s %s;", bi.Main.Path, bi.Main.Version, bi.Main.Sum)
		for _, s := range bi.Settings {
			if strings.HasPrefix(s.Key, "vcs.") {
				fmt.Fprintf(&b, "%s=%s;", s.Key, s.Value)
			}
		}
		for _, d := range bi.Deps {
			if d.Path == composeGoModule {
				if d.Replace != nil {
					d = d.Replace
				}
				fmt.Fprintf(&b, "%s@%s %s;", d.Path, d.Version, d.Sum)
			}
		}
	}
	if exe, err := loaderExecutable(); err == nil {
		if st, err := os.Stat(exe); err == nil {
			fmt.Fprintf(&b, "%s %d %d", exe, st.Size(), st.ModTime().UnixNano())
		}
	}
	return b.String()
}

// lookup returns the cached project, or false on any miss: no entry, an
// unreadable or corrupt one, or a dependency that changed.
func (c *projectCache) lookup() (*types.Project, bool) {
	e, ok := c.entry()
	if !ok {
		return nil, false
	}
	replay(e.Warnings)
	p := e.Project
	p.Environment = c.projectEnvironment()
	return p, true
}

// entry reads the entry under c.key and checks its late dependencies. Its
// Project has no Environment.
func (c *projectCache) entry() (cacheEntry, bool) {
	data, err := c.dir.Get(c.key)
	if err != nil {
		return cacheEntry{}, false
	}
	var e cacheEntry
	if err := decodeInto(data, &e); err != nil || e.Format != cacheFormat || e.Key != c.key || e.Project == nil {
		return cacheEntry{}, false
	}
	for _, d := range e.Deps {
		if _, sum := readDependency(d.Path); sum != d.Sum {
			return cacheEntry{}, false
		}
	}
	for _, v := range e.Vars {
		if !v.current(c.env) {
			return cacheEntry{}, false
		}
	}
	return e, true
}

// projectEnvironment is what compose-go makes the project's Environment:
// the interpolation environment plus the project name.
func (c *projectCache) projectEnvironment() types.Mapping {
	env := maps.Clone(c.env)
	if env == nil {
		env = types.Mapping{}
	}
	env[consts.ComposeProjectName] = c.name
	return env
}

// store saves p, which was loaded with deps as its late dependencies and
// printed warnings, unless something makes it unsafe to serve again.
// Failures are ignored: the next run loads and tries again.
func (c *projectCache) store(p *types.Project, late lateInputs, warnings []warning) bool {
	return c.put(p, late.files, lateVars(c.env, late.contents), warnings)
}

// put is store with the late variables listed; it reports whether the
// entry is being written.
func (c *projectCache) put(p *types.Project, deps []dependency, vars []varDep, warnings []warning) bool {
	if !maps.Equal(p.Environment, c.projectEnvironment()) {
		return false // compose-go changed the environment in a way a hit would not
	}
	q := *p
	q.Environment = nil
	e := cacheEntry{
		Format:   cacheFormat,
		Key:      c.key,
		Deps:     deps,
		Vars:     vars,
		Warnings: warnings,
		Project:  &q,
	}
	c.save(c.key, e)
	return true
}

// save encodes v and writes it under key, now or in the background: the
// encoding only reads v, which the caller may read meanwhile but never
// changes. A failed write is not reported: the next run misses and loads
// again.
func (c *projectCache) save(key string, v any) {
	write := func() {
		data, err := encodeValue(nil, reflect.ValueOf(v))
		if err != nil {
			_ = c.dir.Remove(key) // a stale entry must not outlive a failed write
			return
		}
		_ = c.dir.Put(key, data)
	}
	if c.background == nil {
		write()
		return
	}
	c.background(write)
}

// lateInputs are the files compose-go or finish read that the key does
// not cover, with the content they had when listed.
type lateInputs struct {
	files    []dependency
	contents [][]byte
}

// lateDependencies lists the late inputs of a load, with their digests
// taken now: env files are read after this (a change in between makes the
// next lookup miss, never serve stale content). ok is false when the load
// read files that cannot be listed.
func lateDependencies(p *types.Project, u *uncacheable) (late lateInputs, ok bool) {
	if u.any() {
		return late, false
	}
	var paths []string
	for _, s := range p.AllServices() {
		if s.Develop != nil && len(s.Develop.Watch) > 0 {
			return late, false
		}
		for _, f := range s.EnvFiles {
			paths = append(paths, f.Path)
		}
		paths = append(paths, s.LabelFiles...)
	}
	slices.Sort(paths)
	for _, path := range slices.Compact(paths) {
		content, sum := readDependency(path)
		late.files = append(late.files, dependency{Path: path, Sum: sum})
		late.contents = append(late.contents, content)
	}
	return late, true
}

// readDependency reads a file and digests it; a missing or unreadable file
// gets a fixed digest, so that it appearing later is a change.
func readDependency(path string) (content []byte, sum string) {
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, "absent"
	case err != nil:
		return nil, "unreadable"
	}
	d := sha256.Sum256(b)
	return b, hex.EncodeToString(d[:])
}

// uncacheable notes the compose-go events meaning the load read files the
// cache cannot list: include, and extends from another file.
type uncacheable struct {
	mu     sync.Mutex
	events []string
}

// listen is a compose-go loader listener.
func (u *uncacheable) listen(event string, meta map[string]any) {
	if event == "include" || event == "extends" && meta["file"] != nil {
		u.mu.Lock()
		u.events = append(u.events, event)
		u.mu.Unlock()
	}
}

func (u *uncacheable) any() bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	return len(u.events) > 0
}
