package watch

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
)

// project makes a project in dir whose services have the given triggers;
// a service named "built" has a build section.
func project(dir string, triggers map[string][]types.Trigger) *types.Project {
	p := &types.Project{Name: "w", WorkingDir: dir, Services: types.Services{}}
	for name, ts := range triggers {
		svc := types.ServiceConfig{Name: name, Image: "img"}
		if ts != nil {
			svc.Develop = &types.DevelopConfig{Watch: ts}
		}
		if name == "built" {
			svc.Build = &types.BuildConfig{Context: dir}
		}
		p.Services[name] = svc
	}
	return p
}

func TestRulesErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name     string
		triggers map[string][]types.Trigger
		want     string
	}{
		{"no develop section", map[string][]types.Trigger{"web": nil}, "none of the selected services is configured for watch"},
		{"no path", map[string][]types.Trigger{"web": {{Action: "sync", Target: "/app"}}}, "develop.watch[0]: path is required"},
		{"sync without target", map[string][]types.Trigger{"web": {{Path: "src", Action: "sync"}}}, "action sync needs a target"},
		{"rebuild without build", map[string][]types.Trigger{"web": {{Path: "src", Action: "rebuild"}}}, "action rebuild needs a build section in service web"},
		{"exec without command", map[string][]types.Trigger{"web": {{Path: "src", Action: "sync+exec", Target: "/app"}}}, "needs exec.command"},
		{"unknown action", map[string][]types.Trigger{"web": {{Path: "src", Action: "copy"}}}, `unknown action "copy"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Rules(project(dir, tt.triggers), nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Rules got %v, want an error containing %q", err, tt.want)
			}
		})
	}
	if _, err := Rules(project(dir, map[string][]types.Trigger{"web": nil}), nil); !errors.Is(err, ErrNothingToWatch) {
		t.Errorf("Rules without develop got %v, want ErrNothingToWatch", err)
	}
}

func TestPlan(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, ".dockerignore"), []byte("docs\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p := project(dir, map[string][]types.Trigger{
		"web": {
			{Path: "src", Action: "sync", Target: "/app/src", Ignore: []string{"*.tmp", "cache/"}},
			{Path: "package.json", Action: "restart"},
		},
		"api": {
			{Path: "api", Action: "sync+exec", Target: "/srv", Include: []string{"*.py"}, Exec: types.ServiceHook{Command: []string{"reload"}}},
			{Path: "api/conf", Action: "sync+restart", Target: "/etc/api"},
		},
		"built": {
			{Path: ".", Action: "rebuild"},
			{Path: "src", Action: "sync", Target: "/x"},
		},
	})
	rules, err := Rules(p, []string{"web", "api"})
	if err != nil {
		t.Fatal(err)
	}
	at := func(rel string) string { return filepath.Join(dir, rel) }
	tests := []struct {
		name  string
		rules []Rule
		paths []string
		want  Batch
	}{
		{"sync maps to target", rules, []string{at("src/a/b.go")},
			Batch{Sync: map[string][]Mapping{"web": {{at("src/a/b.go"), "/app/src/a/b.go"}}}}},
		{"ignored patterns and editor files", rules, []string{at("src/x.tmp"), at("src/cache/y"), at("src/.main.go.swp"), at("src/main.go~"), at("src/.git/HEAD")},
			Batch{}},
		{"outside every path", rules, []string{at("other/file"), at("srcx/file")}, Batch{}},
		{"restart on a single file", rules, []string{at("package.json")}, Batch{Restart: []string{"web"}}},
		{"include narrows, exec once per batch", rules, []string{at("api/a.py"), at("api/b.py"), at("api/c.txt")},
			Batch{Sync: map[string][]Mapping{"api": {{at("api/a.py"), "/srv/a.py"}, {at("api/b.py"), "/srv/b.py"}}},
				Exec: []Hook{{Service: "api", Hook: types.ServiceHook{Command: []string{"reload"}}}}}},
		{"sync+restart", rules, []string{at("api/conf/x.conf")},
			Batch{Sync: map[string][]Mapping{"api": {{at("api/conf/x.conf"), "/etc/api/x.conf"}}}, Restart: []string{"api"}}},
	}
	built, err := Rules(p, []string{"built"})
	if err != nil {
		t.Fatal(err)
	}
	tests = append(tests,
		struct {
			name  string
			rules []Rule
			paths []string
			want  Batch
		}{"rebuild wins over sync", built, []string{at("src/main.go")}, Batch{Rebuild: []string{"built"}}},
		struct {
			name  string
			rules []Rule
			paths []string
			want  Batch
		}{"dockerignored file does not rebuild", built, []string{at("docs/readme")}, Batch{}},
	)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Plan(tt.rules, tt.paths)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Plan(%v)\ngot  %+v\nwant %+v", tt.paths, got, tt.want)
			}
		})
	}
}

func TestArchive(t *testing.T) {
	dir := t.TempDir()
	write := func(rel, content string) {
		t.Helper()
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a.txt", "A")
	write("d/b.txt", "B")
	b, removed, err := Archive([]Mapping{
		{filepath.Join(dir, "a.txt"), "/app/a.txt"},
		{filepath.Join(dir, "d"), "/app/d"},
		{filepath.Join(dir, "gone.txt"), "/app/gone.txt"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(removed, []string{"/app/gone.txt"}) {
		t.Errorf("removed got %v, want [/app/gone.txt]", removed)
	}
	got := map[string]string{}
	tr := tar.NewReader(bytes.NewReader(b))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(tr)
		got[h.Name] = string(body)
		if h.Uid != 0 || h.Gid != 0 {
			t.Errorf("%s owned by %d:%d, want 0:0", h.Name, h.Uid, h.Gid)
		}
	}
	want := map[string]string{"app/a.txt": "A", "app/d/": "", "app/d/b.txt": "B"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("archive entries got %v, want %v", got, want)
	}
}

func TestNotifyBatches(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "src"), 0o755); err != nil {
		t.Fatal(err)
	}
	rules, err := Rules(project(dir, map[string][]types.Trigger{"web": {{Path: "src", Action: "sync", Target: "/app"}}}), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan struct{})
	batches := make(chan []string, 10)
	done := make(chan error, 1)
	go func() {
		done <- Notify(ctx, rules, 50*time.Millisecond, func() { close(ready) }, func(p []string) { batches <- p })
	}()
	<-ready
	src := filepath.Join(dir, "src")
	for i := range 3 {
		if err := os.WriteFile(filepath.Join(src, fmt.Sprintf("f%d", i)), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// A directory made after the watch began is watched too.
	if err := os.Mkdir(filepath.Join(src, "new"), 0o755); err != nil {
		t.Fatal(err)
	}
	first := <-batches
	for _, f := range []string{"f0", "f1", "f2", "new"} {
		if !slices.Contains(first, filepath.Join(src, f)) {
			t.Errorf("first batch %v lacks %s", first, f)
		}
	}
	time.Sleep(100 * time.Millisecond)
	if err := os.WriteFile(filepath.Join(src, "new", "g"), []byte("y"), 0o644); err != nil {
		t.Fatal(err)
	}
	select {
	case second := <-batches:
		if !slices.Contains(second, filepath.Join(src, "new", "g")) {
			t.Errorf("second batch %v lacks new/g", second)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no batch for a file in a directory created after the watch began")
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Notify returned %v after cancel, want nil", err)
	}
}

// recorder is Actions that records each call and fails the one named.
type recorder struct {
	calls []string
	fail  string
}

func (r *recorder) do(call string) error {
	r.calls = append(r.calls, call)
	if call == r.fail {
		return errors.New("boom")
	}
	return nil
}
func (r *recorder) Rebuild(_ context.Context, s []string) error {
	return r.do(fmt.Sprint("rebuild", s))
}
func (r *recorder) Sync(_ context.Context, s string, f []Mapping) error {
	return r.do(fmt.Sprintf("sync %s %d", s, len(f)))
}
func (r *recorder) Restart(_ context.Context, s []string) error {
	return r.do(fmt.Sprint("restart", s))
}
func (r *recorder) Exec(_ context.Context, s string, h types.ServiceHook) error {
	return r.do(fmt.Sprint("exec ", s, h.Command))
}

func TestApply(t *testing.T) {
	b := Batch{
		Rebuild: []string{"built"},
		Sync:    map[string][]Mapping{"web": {{"/h/a", "/c/a"}, {"/h/b", "/c/b"}}, "api": {{"/h/c", "/c/c"}}},
		Restart: []string{"api"},
		Exec:    []Hook{{Service: "api", Hook: types.ServiceHook{Command: []string{"reload"}}}},
	}
	var rec recorder
	var log []string
	if err := Apply(context.Background(), b, &rec, func(s string) { log = append(log, s) }); err != nil {
		t.Fatal(err)
	}
	wantCalls := []string{"rebuild[built]", "sync api 1", "sync web 2", "restart[api]", "exec api[reload]"}
	if !reflect.DeepEqual(rec.calls, wantCalls) {
		t.Errorf("calls got %v, want %v", rec.calls, wantCalls)
	}
	wantLog := []string{
		`Rebuilding service(s) ["built"] after changes were detected...`,
		`service(s) ["built"] successfully built`,
		`Syncing service "api" after 1 changes were detected`,
		`Syncing service "web" after 2 changes were detected`,
		`service(s) ["api"] restarted`,
	}
	if !reflect.DeepEqual(log, wantLog) {
		t.Errorf("log got %q, want %q", log, wantLog)
	}

	failing := recorder{fail: "sync api 1"}
	err := Apply(context.Background(), b, &failing, func(string) {})
	if err == nil || !strings.Contains(err.Error(), "sync api: boom") {
		t.Errorf("Apply with a failing sync got %v, want it named", err)
	}
	if len(failing.calls) != 2 {
		t.Errorf("Apply went on after a failure: %v", failing.calls)
	}
}
