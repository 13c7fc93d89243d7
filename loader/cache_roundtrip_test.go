package loader

import (
	"bytes"
	"context"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/google/go-cmp/cmp"

	"github.com/berth-dev/berth/reconcile"
)

// roundTripCases are the fixtures whose cached projects must be identical
// to freshly loaded ones: the kitchen sink written for the cache, the
// config goldens' fixture, the config-hash vectors and the example.
func roundTripCases(t *testing.T) []struct {
	name string
	opts Options
} {
	t.Helper()
	repo, err := filepath.Abs(filepath.Join("..", "testdata"))
	if err != nil {
		t.Fatal(err)
	}
	environ := map[string]string{"HOME": "/home/user", "TOKEN": "t0k3n", "TAG": "2.1"}
	kitchen := filepath.Join("testdata", "cache", "kitchen")
	shop := filepath.Join(repo, "config", "shop")
	return []struct {
		name string
		opts Options
	}{
		{"kitchen", Options{WorkingDir: kitchen, Environ: environ}},
		{"kitchen all profiles and resources", Options{WorkingDir: kitchen, Profiles: []string{"*"}, AllResources: true, Environ: environ}},
		{"kitchen one service without deps", Options{WorkingDir: kitchen, Services: []string{"side"}, NoDeps: true, Environ: environ}},
		{"shop", Options{WorkingDir: shop, Environ: environ}},
		{"shop selected", Options{WorkingDir: shop, Services: []string{"api"}, Environ: environ}},
		{"shop staging", Options{WorkingDir: shop, Env: "staging", Profiles: []string{"debug"}, Environ: environ}},
		{"vector basic", Options{WorkingDir: filepath.Join(repo, "vectors", "config-hash", "basic"), ProjectName: "vec", Profiles: []string{"jobs"}, Environ: environ}},
		{"vector cleared", Options{WorkingDir: filepath.Join(repo, "vectors", "config-hash", "cleared"), ProjectName: "vec", Profiles: []string{"jobs"}, Environ: environ}},
		{"vector long", Options{WorkingDir: filepath.Join(repo, "vectors", "config-hash", "long"), ProjectName: "vec", Profiles: []string{"jobs"}, Environ: environ}},
		{"example shop", Options{WorkingDir: filepath.Join("..", "examples", "shop"), Environ: environ}},
	}
}

// TestCacheRoundTrip is the condition for caching projects at all: a
// project served from the cache must be indistinguishable from a fresh
// load: equal as a value (every field, json:"-" ones included), with
// byte-identical config output and config hashes.
func TestCacheRoundTrip(t *testing.T) {
	for _, tc := range roundTripCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			fresh, err := Load(context.Background(), tc.opts)
			if err != nil {
				t.Fatalf("Load(%s) got error %v", tc.name, err)
			}
			opts := tc.opts
			opts.CacheDir = t.TempDir()
			for i, want := range []bool{false, true} {
				p, cached, err := load(context.Background(), opts)
				if err != nil {
					t.Fatalf("load #%d (%s) with cache got error %v", i+1, tc.name, err)
				}
				if cached != want {
					t.Fatalf("load #%d (%s) with cache got cached=%v, want %v", i+1, tc.name, cached, want)
				}
				assertSameProject(t, fresh, p)
			}
		})
	}
}

// assertSameProject fails unless got is equal to want in every way berth
// can observe.
func assertSameProject(t *testing.T, want, got *types.Project) {
	t.Helper()
	// The only unexported fields in a project, set only on copies made for
	// marshalling, are compared too.
	allow := cmp.AllowUnexported(types.SecretConfig{}, types.ConfigObjConfig{})
	if d := cmp.Diff(want, got, allow, disabledDependsOn); d != "" {
		t.Errorf("cached project differs from a fresh load (-fresh +cached):\n%s", d)
	}
	for _, render := range []struct {
		name string
		fn   func(*types.Project) ([]byte, error)
	}{
		{"MarshalYAML", func(p *types.Project) ([]byte, error) { return p.MarshalYAML() }},
		{"MarshalJSON", func(p *types.Project) ([]byte, error) { return p.MarshalJSON() }},
	} {
		w, werr := render.fn(want)
		g, gerr := render.fn(got)
		if werr != nil || gerr != nil || !bytes.Equal(w, g) {
			t.Errorf("%s of the cached project got %s (%v), want %s (%v)", render.name, g, gerr, w, werr)
		}
	}
	for name, s := range want.Services {
		w, werr := reconcile.ServiceHash(s)
		g, gerr := reconcile.ServiceHash(got.Services[name])
		if werr != nil || gerr != nil || w != g {
			t.Errorf("ServiceHash(%s) of the cached project got %s (%v), want %s (%v)", name, g, gerr, w, werr)
		}
	}
}

// disabledDependsOn leaves out the depends_on of disabled services, which
// compose-go v2.14.0 itself does not compute deterministically: when a
// selection disables several services, WithSelectedServices removes
// references to each from the services still enabled, in map order, so a
// service disabled early keeps references that one disabled late loses. Two
// fresh loads differ there too; nothing berth prints or hashes reads it.
var disabledDependsOn = cmp.FilterPath(func(p cmp.Path) bool {
	disabled := false
	for _, step := range p {
		f, ok := step.(cmp.StructField)
		switch {
		case !ok:
		case f.Name() == "DisabledServices":
			disabled = true
		case f.Name() == "DependsOn" && disabled:
			return true
		}
	}
	return false
}, cmp.Ignore())

// TestCodecValues checks the codec on the values that a JSON round trip
// gets wrong: nil against empty, pointers to zero values, interface values
// of several types, numbers at their limits, control characters.
func TestCodecValues(t *testing.T) {
	zero, empty := 0, ""
	type inner struct {
		P *int
		S *string
	}
	type sample struct {
		NilSlice   []string
		EmptySlice []string
		NilMap     map[string]*string
		Map        map[string]*string
		IntKeys    map[int]bool
		Any        map[string]any
		Inner      inner
		PInner     *inner
		Floats     []float64
		F32        float32
		Max        uint64
		Min        int64
		Array      [2]string
		Text       string
	}
	in := sample{
		EmptySlice: []string{},
		Map:        map[string]*string{"unset": nil, "empty": &empty},
		IntKeys:    map[int]bool{-1: true, 80: false},
		Any: map[string]any{
			"nil": nil, "int": 3, "int64": int64(-4), "uint64": uint64(1 << 63), "float": 2.5,
			"bool": false, "string": "s", "list": []any{1, "x", nil}, "map": map[string]any{}, "emptylist": []any{},
		},
		Inner:  inner{P: &zero, S: &empty},
		PInner: &inner{},
		Floats: []float64{0.1, math.Copysign(0, -1), 1e300, 5e-324},
		F32:    0.1,
		Max:    ^uint64(0),
		Min:    -1 << 63,
		Array:  [2]string{"", "b"},
		Text:   "tab\t nl\n nul\x00 esc\x1b quote\" back\\ é \u2028",
	}
	b, err := encodeValue(nil, reflect.ValueOf(in))
	if err != nil {
		t.Fatalf("encodeValue(sample) got error %v", err)
	}
	var out sample
	if err := decodeInto(b, &out); err != nil {
		t.Fatalf("decodeInto(%s) got error %v", b, err)
	}
	if d := cmp.Diff(in, out); d != "" {
		t.Errorf("decode(encode(sample)) differs (-in +out):\n%s", d)
	}
	if out.NilSlice != nil || out.EmptySlice == nil || out.NilMap != nil || out.Inner.P == nil || out.Map["unset"] != nil || !math.Signbit(out.Floats[1]) {
		t.Errorf("decode(encode(sample)) lost nil against empty or a sign: got %+v", out)
	}
}

// TestCodecRefuses checks that what cannot round-trip is refused, so that
// such a project is loaded every time rather than cached wrong.
func TestCodecRefuses(t *testing.T) {
	type hidden struct{ x int }
	for _, tc := range []struct {
		name string
		v    any
	}{
		{"unexported field set", hidden{x: 1}},
		{"invalid UTF-8", "caf\xe9"},
		{"invalid UTF-8 key", map[string]int{"\xff": 1}},
		{"unknown dynamic type", map[string]any{"k": int32(1)}},
		{"func", func() {}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if b, err := encodeValue(nil, reflect.ValueOf(tc.v)); err == nil {
				t.Errorf("encodeValue(%s) got %s, want an error", tc.name, b)
			}
		})
	}
}

// TestCodecCorrupt checks that damaged entries are errors, never panics or
// half-filled values passed off as good.
func TestCodecCorrupt(t *testing.T) {
	for _, data := range []string{
		``, `{`, `[]`, `{"Format":1}`, `{"Nope":"x"}`, `{"Deps":[{"Path":true}]}`, `{"Project":{"Services":{"a":{"Scale":"x"}}}}`,
		`{"Format":"x"} {}`, `{"Format":"x",}`, `{"Format":"\ud83d"}`, `{"Format":"\q"}`, `{"Format":"a` + "\n" + `b"}`, `{"Format":"x`,
		`{"Project":{"Extensions":{"x":{"v":1,"t":"int"}}}}`, `{"Project":{"Extensions":{"x":{"t":"int32","v":1}}}}`,
		`{"Project":{"Services":{"a":{"Scale":1.5}}}}`, `{"Vars":[{"Name":"a"}{"Name":"b"}]}`,
	} {
		t.Run(data, func(t *testing.T) {
			var e cacheEntry
			if err := decodeInto([]byte(data), &e); err == nil {
				t.Errorf("decodeInto(%q) got nil error, want one", data)
			}
		})
	}
}

// TestDecodeJSON checks that the parser reads JSON as JSON, escapes and
// white space included, not only the encoder's own output.
func TestDecodeJSON(t *testing.T) {
	type sample struct {
		Text  string
		List  [2]int
		Any   any
		Empty []string
	}
	data := ` { "Text" : "a\u00e9\ud83d\ude00\/\b\f\r\"\\" ,
		"List": [ 1 , -2 ], "Any": {"t": "[]interface {}", "v": [ {"t":"string","v":"x"} ]}, "Empty": [ ] } `
	want := sample{Text: "aé😀/\b\f\r\"\\", List: [2]int{1, -2}, Any: []any{"x"}, Empty: []string{}}
	var got sample
	if err := decodeInto([]byte(data), &got); err != nil {
		t.Fatalf("decodeInto(%s) got error %v", data, err)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("decodeInto(%s) differs (-want +got):\n%s", data, d)
	}
}

func TestDefaultCacheDir(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"HOME": "/home/u"}, "/home/u/.cache/berth"},
		{map[string]string{"HOME": "/home/u", "XDG_CACHE_HOME": "/xdg"}, "/xdg/berth"},
		{map[string]string{"HOME": "/home/u", "XDG_CACHE_HOME": "relative"}, "/home/u/.cache/berth"},
		{map[string]string{"HOME": "/home/u", "BERTH_NO_CACHE": "1"}, ""},
		{map[string]string{"HOME": "/home/u", "BERTH_NO_CACHE": "0"}, "/home/u/.cache/berth"},
		{map[string]string{"HOME": "/home/u", "BERTH_NO_CACHE": "false"}, "/home/u/.cache/berth"},
		{map[string]string{}, ""},
	} {
		if got := DefaultCacheDir(tc.env); got != tc.want {
			t.Errorf("DefaultCacheDir(%v) got %q, want %q", tc.env, got, tc.want)
		}
	}
}

// cacheEntries lists the entries in a cache directory.
func cacheEntries(t *testing.T, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// poison rewrites the only cache entry in dir so that every service's
// image is "poisoned": a load that returns it was served from the cache.
func poison(t *testing.T, dir string) {
	t.Helper()
	files := cacheEntries(t, dir)
	if len(files) != 1 {
		t.Fatalf("cache %s has %d entries, want 1", dir, len(files))
	}
	data, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	var e cacheEntry
	if err := decodeInto(data, &e); err != nil {
		t.Fatalf("decode cache entry: %v", err)
	}
	for name, s := range e.Project.Services {
		s.Image = "poisoned"
		e.Project.Services[name] = s
	}
	if data, err = encodeValue(nil, reflect.ValueOf(e)); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(files[0], data, 0o600); err != nil {
		t.Fatal(err)
	}
}
