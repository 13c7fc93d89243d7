package transfer

import (
	"archive/tar"
	"bytes"
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/fake"
)

func TestSplitArg(t *testing.T) {
	tests := []struct{ arg, service, path string }{
		{"web:/etc/hosts", "web", "/etc/hosts"},
		{"web:rel", "web", "rel"},
		{"/abs/a:b", "", "/abs/a:b"},
		{"./a:b", "", "./a:b"},
		{"local", "", "local"},
		{"-", "", "-"},
	}
	for _, tt := range tests {
		if s, p := SplitArg(tt.arg); s != tt.service || p != tt.path {
			t.Errorf("SplitArg(%q) got (%q, %q), want (%q, %q)", tt.arg, s, p, tt.service, tt.path)
		}
	}
}

// container returns a fake engine with one container holding
// /app/conf/a.txt, /app/conf/sub/b.txt and the link /app/current → conf.
func container(t *testing.T) (*fake.Engine, string) {
	t.Helper()
	f := fake.New().WithContainer(engine.Container{ID: "c1", Name: "shop-web-1"}).Build()
	for p, data := range map[string]string{"/app/conf/a.txt": "a", "/app/conf/sub/b.txt": "b"} {
		if err := f.WriteFile("c1", p, []byte(data), 0o640); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.WriteFile("c1", "/app/current", []byte("conf"), fs.ModeSymlink|0o777); err != nil {
		t.Fatal(err)
	}
	return f, "c1"
}

// tree lists the regular files under dir as "rel=content".
func tree(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		out = append(out, filepath.ToSlash(rel)+"="+string(b))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// TestFromContainer covers docker cp's naming rules out of a container.
func TestFromContainer(t *testing.T) {
	tests := []struct {
		name     string
		src, dst string // dst relative to a fresh directory holding existing/
		follow   bool
		want     []string
	}{
		{name: "file into directory", src: "/app/conf/a.txt", dst: "existing", want: []string{"existing/a.txt=a"}},
		{name: "file to new name", src: "/app/conf/a.txt", dst: "renamed.txt", want: []string{"renamed.txt=a"}},
		{name: "directory into directory", src: "/app/conf", dst: "existing",
			want: []string{"existing/conf/a.txt=a", "existing/conf/sub/b.txt=b"}},
		{name: "directory to new name", src: "/app/conf", dst: "copy",
			want: []string{"copy/a.txt=a", "copy/sub/b.txt=b"}},
		{name: "directory contents", src: "/app/conf/.", dst: "existing",
			want: []string{"existing/a.txt=a", "existing/sub/b.txt=b"}},
		{name: "link followed", src: "/app/current", dst: "existing", follow: true,
			want: []string{"existing/current/a.txt=a", "existing/current/sub/b.txt=b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, id := container(t)
			dir := t.TempDir()
			if err := os.Mkdir(filepath.Join(dir, "existing"), 0o755); err != nil {
				t.Fatal(err)
			}
			err := FromContainer(context.Background(), f, id, tt.src, filepath.Join(dir, tt.dst), nil, Options{FollowLink: tt.follow})
			if err != nil {
				t.Fatalf("FromContainer(%s, %s): %v", tt.src, tt.dst, err)
			}
			if got := tree(t, dir); !slices.Equal(got, tt.want) {
				t.Errorf("FromContainer(%s, %s) left %q, want %q", tt.src, tt.dst, got, tt.want)
			}
		})
	}
}

func TestFromContainerToStdout(t *testing.T) {
	f, id := container(t)
	var out bytes.Buffer
	if err := FromContainer(context.Background(), f, id, "/app/conf/a.txt", "-", &out, Options{}); err != nil {
		t.Fatal(err)
	}
	hdr, err := tar.NewReader(&out).Next()
	if err != nil || hdr.Name != "a.txt" {
		t.Errorf("cp SERVICE:/app/conf/a.txt - wrote a tar starting with %+v (%v), want a.txt", hdr, err)
	}
}

func TestFromContainerErrors(t *testing.T) {
	f, id := container(t)
	dir := t.TempDir()
	err := FromContainer(context.Background(), f, id, "/nope", filepath.Join(dir, "x"), nil, Options{})
	if err == nil || !strings.Contains(err.Error(), "/nope") {
		t.Errorf("copy of a missing path got %v, want an error naming it", err)
	}
	err = FromContainer(context.Background(), f, id, "/app/conf/a.txt", filepath.Join(dir, "missing", "x"), nil, Options{})
	if err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("copy into a missing local directory got %v, want it refused", err)
	}
}

// TestToContainer covers docker cp's naming rules into a container.
func TestToContainer(t *testing.T) {
	tests := []struct {
		name     string
		src, dst string // src relative to a directory holding src/one.txt and src/deep/two.txt
		want     map[string]string
	}{
		{name: "file into directory", src: "src/one.txt", dst: "/app", want: map[string]string{"/app/one.txt": "1"}},
		{name: "file to new name", src: "src/one.txt", dst: "/app/new.txt", want: map[string]string{"/app/new.txt": "1"}},
		{name: "file over file", src: "src/one.txt", dst: "/app/conf/a.txt", want: map[string]string{"/app/conf/a.txt": "1"}},
		{name: "directory into directory", src: "src", dst: "/app",
			want: map[string]string{"/app/src/one.txt": "1", "/app/src/deep/two.txt": "2"}},
		{name: "directory to new name", src: "src", dst: "/app/fresh",
			want: map[string]string{"/app/fresh/one.txt": "1", "/app/fresh/deep/two.txt": "2"}},
		{name: "directory contents", src: "src/.", dst: "/app/conf",
			want: map[string]string{"/app/conf/one.txt": "1", "/app/conf/a.txt": "a"}},
		{name: "through a link", src: "src/one.txt", dst: "/app/current", want: map[string]string{"/app/conf/one.txt": "1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, id := container(t)
			dir := t.TempDir()
			for p, data := range map[string]string{"src/one.txt": "1", "src/deep/two.txt": "2"} {
				if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, p), []byte(data), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			src := filepath.Join(dir, tt.src)
			if strings.HasSuffix(tt.src, "/.") {
				src += "/."
			}
			if err := ToContainer(context.Background(), f, id, src, tt.dst, nil, Options{}); err != nil {
				t.Fatalf("ToContainer(%s, %s): %v", tt.src, tt.dst, err)
			}
			for p, want := range tt.want {
				got, _, err := f.ReadFile(id, p)
				if err != nil || string(got) != want {
					t.Errorf("ToContainer(%s, %s): %s holds %q (%v), want %q", tt.src, tt.dst, p, got, err, want)
				}
			}
		})
	}
}

func TestToContainerFromStdin(t *testing.T) {
	f, id := container(t)
	var in bytes.Buffer
	tw := tar.NewWriter(&in)
	_ = tw.WriteHeader(&tar.Header{Name: "x.txt", Mode: 0o600, Size: 1, Typeflag: tar.TypeReg})
	_, _ = io.WriteString(tw, "x")
	_ = tw.Close()
	if err := ToContainer(context.Background(), f, id, "-", "/app", bytes.NewReader(in.Bytes()), Options{}); err != nil {
		t.Fatal(err)
	}
	if got, _, err := f.ReadFile(id, "/app/x.txt"); err != nil || string(got) != "x" {
		t.Errorf("cp - SERVICE:/app put %q (%v) at /app/x.txt, want x", got, err)
	}
	err := ToContainer(context.Background(), f, id, "-", "/app/conf/a.txt", bytes.NewReader(in.Bytes()), Options{})
	if err == nil || !strings.Contains(err.Error(), "must be an existing directory") {
		t.Errorf("cp - SERVICE:FILE got %v, want it refused", err)
	}
}

func TestSelect(t *testing.T) {
	c := func(id, service, number string, oneoff bool) engine.Container {
		o := "False"
		if oneoff {
			o = "True"
		}
		return engine.Container{ID: id, Name: id, Labels: map[string]string{
			engine.LabelService: service, engine.LabelNumber: number, engine.LabelOneoff: o}}
	}
	all := []engine.Container{c("web-2", "web", "2", false), c("web-1", "web", "1", false), c("run", "web", "1", true), c("db-1", "db", "1", false)}
	tests := []struct {
		name      string
		index     int
		oneOff    bool
		toService bool
		want      string // IDs, or the error
	}{
		{name: "from: the first", want: "web-1"},
		{name: "to: all replicas", toService: true, want: "web-1 web-2"},
		{name: "to: with one-offs", toService: true, oneOff: true, want: "run web-1 web-2"},
		{name: "index", index: 2, toService: true, want: "web-2"},
		{name: "index missing", index: 3, want: `service "web" has no container #3: see berth ps web`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Select(all, "web", tt.index, tt.oneOff, tt.toService)
			var s string
			if err != nil {
				s = err.Error()
			}
			for i, c := range got {
				if i > 0 {
					s += " "
				}
				s += c.ID
			}
			if s != tt.want {
				t.Errorf("Select(%s) got %q, want %q", tt.name, s, tt.want)
			}
		})
	}
	if _, err := Select(all, "cache", 0, false, false); err == nil || !strings.Contains(err.Error(), `no container found for service "cache"`) {
		t.Errorf("Select(cache) got %v, want no container found", err)
	}
}
