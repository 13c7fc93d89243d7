package loader

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestDiscovery(t *testing.T) {
	const web = "services:\n  web:\n    image: web\n"
	const api = "services:\n  api:\n    image: api\n"
	dir := tree(t, map[string]string{
		"app/compose.yaml":          web,
		"app/compose.override.yaml": api,
		"app/sub/deeper/.keep":      "",
		"legacy/docker-compose.yml": web,
		"other/extra.yaml":          api,
		"other/base.yaml":           web,
		"both/compose.yaml":         web,
		"both/docker-compose.yml":   api,
	})
	tests := []struct {
		name      string
		opts      Options
		wantFiles []string // relative to dir
		wantSvcs  []string
	}{
		{"base and override in cwd", Options{WorkingDir: filepath.Join(dir, "app")},
			[]string{"app/compose.yaml", "app/compose.override.yaml"}, []string{"api", "web"}},
		{"found in a parent", Options{WorkingDir: filepath.Join(dir, "app/sub/deeper")},
			[]string{"app/compose.yaml", "app/compose.override.yaml"}, []string{"api", "web"}},
		{"legacy name", Options{WorkingDir: filepath.Join(dir, "legacy")},
			[]string{"legacy/docker-compose.yml"}, []string{"web"}},
		{"compose.yaml preferred", Options{WorkingDir: filepath.Join(dir, "both")},
			[]string{"both/compose.yaml"}, []string{"web"}},
		{"-f in order", Options{WorkingDir: dir, ConfigFiles: []string{"other/base.yaml", "other/extra.yaml"}},
			[]string{"other/base.yaml", "other/extra.yaml"}, []string{"api", "web"}},
		{"COMPOSE_FILE default separator", Options{WorkingDir: dir, Environ: map[string]string{"COMPOSE_FILE": "other/base.yaml:other/extra.yaml"}},
			[]string{"other/base.yaml", "other/extra.yaml"}, []string{"api", "web"}},
		{"COMPOSE_FILE custom separator", Options{WorkingDir: dir, Environ: map[string]string{"COMPOSE_FILE": "other/base.yaml;other/extra.yaml", "COMPOSE_PATH_SEPARATOR": ";"}},
			[]string{"other/base.yaml", "other/extra.yaml"}, []string{"api", "web"}},
		{"-f wins over COMPOSE_FILE", Options{WorkingDir: dir, ConfigFiles: []string{"other/extra.yaml"}, Environ: map[string]string{"COMPOSE_FILE": "other/base.yaml"}},
			[]string{"other/extra.yaml"}, []string{"api"}},
		{"project directory is searched", Options{WorkingDir: dir, ProjectDir: "legacy"},
			[]string{"legacy/docker-compose.yml"}, []string{"web"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustLoad(t, tt.opts)
			var want []string
			for _, f := range tt.wantFiles {
				want = append(want, filepath.Join(dir, f))
			}
			if !slices.Equal(p.ComposeFiles, want) {
				t.Errorf("Load().ComposeFiles got %v, want %v", p.ComposeFiles, want)
			}
			if got := serviceNames(p); !slices.Equal(got, tt.wantSvcs) {
				t.Errorf("Load() services got %v, want %v", got, tt.wantSvcs)
			}
		})
	}
}

func TestDiscoveryProjectDir(t *testing.T) {
	dir := tree(t, map[string]string{
		"files/compose.yaml": "services:\n  web:\n    image: web\n    build: ./ctx\n",
		"proj/.keep":         "",
	})
	tests := []struct {
		name      string
		opts      Options
		wantDir   string
		wantName  string
		wantBuild string
	}{
		{"defaults to the first file's dir", Options{WorkingDir: dir, ConfigFiles: []string{"files/compose.yaml"}}, "files", "files", "files/ctx"},
		{"--project-directory", Options{WorkingDir: dir, ConfigFiles: []string{"files/compose.yaml"}, ProjectDir: "proj"}, "proj", "proj", "proj/ctx"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustLoad(t, tt.opts)
			if want := filepath.Join(dir, tt.wantDir); p.WorkingDir != want {
				t.Errorf("Load().WorkingDir got %s, want %s", p.WorkingDir, want)
			}
			if p.Name != tt.wantName {
				t.Errorf("Load().Name got %s, want %s", p.Name, tt.wantName)
			}
			if got, want := p.Services["web"].Build.Context, filepath.Join(dir, tt.wantBuild); got != want {
				t.Errorf("build context got %s, want %s", got, want)
			}
		})
	}
}

func TestDiscoveryStdin(t *testing.T) {
	dir := tree(t, map[string]string{"override.yaml": "services:\n  web:\n    environment: {A: b}\n"})
	p := mustLoad(t, Options{
		WorkingDir:  dir,
		ConfigFiles: []string{"-", "override.yaml"},
		Stdin:       strings.NewReader("name: piped\nservices:\n  web:\n    image: web\n"),
	})
	if p.Name != "piped" || env(p, "web", "A") != "b" {
		t.Errorf("Load(-f - -f override.yaml) got name %q, A=%q, want piped, b", p.Name, env(p, "web", "A"))
	}
	if want := []string{"-", filepath.Join(dir, "override.yaml")}; !slices.Equal(p.ComposeFiles, want) {
		t.Errorf("Load(-f -).ComposeFiles got %v, want %v", p.ComposeFiles, want)
	}
	if p.WorkingDir != dir {
		t.Errorf("Load(-f -).WorkingDir got %s, want %s (dir of the first real file)", p.WorkingDir, dir)
	}
}

func TestDiscoveryErrors(t *testing.T) {
	empty := t.TempDir()
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{"nothing to find", Options{WorkingDir: empty}, "create compose.yaml or pass -f"},
		{"missing -f", Options{WorkingDir: empty, ConfigFiles: []string{"nope.yaml"}}, "nope.yaml"},
		{"missing COMPOSE_FILE", Options{WorkingDir: empty, Environ: map[string]string{"COMPOSE_FILE": "gone.yaml"}}, "gone.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tryLoad(tt.opts)
			if !errors.Is(err, ErrNoConfigFile) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Load() got error %v, want ErrNoConfigFile mentioning %q", err, tt.want)
			}
		})
	}
	t.Run("stdin without reader", func(t *testing.T) {
		if _, err := tryLoad(Options{WorkingDir: empty, ConfigFiles: []string{"-"}}); err == nil || !strings.Contains(err.Error(), "standard input") {
			t.Errorf("Load(-f -, no stdin) got error %v, want one about standard input", err)
		}
	})
}
