package loader

import (
	"errors"
	"path/filepath"
	"slices"
	"testing"
)

func TestEnvironments(t *testing.T) {
	files := map[string]string{
		"shop/compose.yaml":          "services:\n  web:\n    image: web:${TAG}\n    environment: {LEVEL: base, WHERE: '${BERTH_ENV:-none}'}\n",
		"shop/compose.override.yaml": "services:\n  web:\n    environment: {LEVEL: override}\n",
		"shop/compose.staging.yaml":  "services:\n  web:\n    environment: {LEVEL: staging}\n  cache:\n    image: cache\n",
		"shop/compose.prod.yml":      "services:\n  web:\n    environment: {LEVEL: prod}\n",
		"shop/.env":                  "TAG=dev\nOTHER=base\n",
		"shop/.env.staging":          "TAG=rc\n",
	}
	tests := []struct {
		name      string
		opts      Options
		wantName  string
		wantFiles []string
		wantImage string
		wantLevel string
	}{
		{"no environment", Options{}, "shop",
			[]string{"compose.yaml", "compose.override.yaml"}, "web:dev", "override"},
		{"staging", Options{Env: "staging"}, "shop-staging",
			[]string{"compose.yaml", "compose.override.yaml", "compose.staging.yaml"}, "web:rc", "staging"},
		{"prod uses .yml and has no .env.prod", Options{Env: "prod"}, "shop-prod",
			[]string{"compose.yaml", "compose.override.yaml", "compose.prod.yml"}, "web:dev", "prod"},
		{"environment without overlays", Options{Env: "test"}, "shop-test",
			[]string{"compose.yaml", "compose.override.yaml"}, "web:dev", "override"},
		{"-p wins", Options{Env: "staging", ProjectName: "mine"}, "mine",
			[]string{"compose.yaml", "compose.override.yaml", "compose.staging.yaml"}, "web:rc", "staging"},
		{"COMPOSE_PROJECT_NAME wins", Options{Env: "staging", Environ: map[string]string{"COMPOSE_PROJECT_NAME": "envname"}}, "envname",
			[]string{"compose.yaml", "compose.override.yaml", "compose.staging.yaml"}, "web:rc", "staging"},
		{"process environment still wins over .env.staging", Options{Env: "staging", Environ: map[string]string{"TAG": "proc"}}, "shop-staging",
			[]string{"compose.yaml", "compose.override.yaml", "compose.staging.yaml"}, "web:proc", "staging"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := tree(t, files)
			tt.opts.WorkingDir = filepath.Join(root, "shop")
			p := mustLoad(t, tt.opts)
			if p.Name != tt.wantName {
				t.Errorf("Name got %q, want %q", p.Name, tt.wantName)
			}
			var want []string
			for _, f := range tt.wantFiles {
				want = append(want, filepath.Join(root, "shop", f))
			}
			if !slices.Equal(p.ComposeFiles, want) {
				t.Errorf("ComposeFiles got %v, want %v", p.ComposeFiles, want)
			}
			if got := p.Services["web"].Image; got != tt.wantImage {
				t.Errorf("image got %q, want %q", got, tt.wantImage)
			}
			if got := env(p, "web", "LEVEL"); got != tt.wantLevel {
				t.Errorf("LEVEL got %q, want %q", got, tt.wantLevel)
			}
			wantWhere := tt.opts.Env
			if wantWhere == "" {
				wantWhere = "none"
			}
			if got := env(p, "web", "WHERE"); got != wantWhere {
				t.Errorf("WHERE (${BERTH_ENV}) got %q, want %q", got, wantWhere)
			}
		})
	}
}

func TestEnvironmentName(t *testing.T) {
	dir := tree(t, map[string]string{"compose.yaml": "services:\n  web:\n    image: web\n"})
	for _, bad := range []string{"Staging", "st aging", "-x"} {
		t.Run(bad, func(t *testing.T) {
			if _, err := tryLoad(Options{WorkingDir: dir, Env: bad}); !errors.Is(err, ErrInvalidProjectName) {
				t.Errorf("Load(Env: %q) got error %v, want ErrInvalidProjectName", bad, err)
			}
		})
	}
}
