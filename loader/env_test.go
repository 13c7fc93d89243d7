package loader

import (
	"errors"
	"strings"
	"testing"
)

func TestInterpolationEnvironment(t *testing.T) {
	const compose = `services:
  web:
    image: "web:${TAG:-latest}"
    environment:
      FROM_ENV: ${FROM}
      DEFAULTED: ${UNSET:-fallback}
      ESCAPED: $$HOME
`
	tests := []struct {
		name    string
		files   map[string]string
		opts    Options
		wantTag string
		want    map[string]string
	}{
		{"defaults", nil, Options{}, "web:latest",
			map[string]string{"FROM_ENV": "", "DEFAULTED": "fallback", "ESCAPED": "$HOME"}},
		{"process environment", nil, Options{Environ: map[string]string{"TAG": "1", "FROM": "proc"}}, "web:1",
			map[string]string{"FROM_ENV": "proc"}},
		{".env", map[string]string{".env": "TAG=2\nFROM=dotenv\n"}, Options{}, "web:2",
			map[string]string{"FROM_ENV": "dotenv"}},
		{"process wins over .env", map[string]string{".env": "TAG=2\nFROM=dotenv\n"}, Options{Environ: map[string]string{"FROM": "proc"}}, "web:2",
			map[string]string{"FROM_ENV": "proc"}},
		{"--env-file replaces .env, later file wins", map[string]string{".env": "TAG=2\n", "a.env": "TAG=3\nFROM=a\n", "b.env": "FROM=b\n"},
			Options{EnvFiles: []string{"a.env", "b.env"}}, "web:3", map[string]string{"FROM_ENV": "b"}},
		{"COMPOSE_ENV_FILES", map[string]string{".env": "TAG=2\n", "a.env": "TAG=3\n", "b.env": "FROM=b\n"},
			Options{Environ: map[string]string{"COMPOSE_ENV_FILES": "a.env,b.env"}}, "web:3", map[string]string{"FROM_ENV": "b"}},
		{"COMPOSE_DISABLE_ENV_FILE", map[string]string{".env": "TAG=2\n"},
			Options{Environ: map[string]string{"COMPOSE_DISABLE_ENV_FILE": "true"}}, "web:latest", nil},
		{".env sets COMPOSE_FILE", map[string]string{".env": "COMPOSE_FILE=compose.yaml:extra.yaml\n", "extra.yaml": "services:\n  web:\n    environment: {EXTRA: yes}\n"},
			Options{}, "web:latest", map[string]string{"EXTRA": "yes"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := map[string]string{"compose.yaml": compose}
			for k, v := range tt.files {
				files[k] = v
			}
			tt.opts.WorkingDir = tree(t, files)
			p := mustLoad(t, tt.opts)
			if got := p.Services["web"].Image; got != tt.wantTag {
				t.Errorf("image got %q, want %q", got, tt.wantTag)
			}
			for k, want := range tt.want {
				if got := env(p, "web", k); got != want {
					t.Errorf("environment %s got %q, want %q", k, got, want)
				}
			}
		})
	}
}

func TestServiceEnvFile(t *testing.T) {
	dir := tree(t, map[string]string{
		"compose.yaml": `services:
  web:
    image: web
    env_file:
      - web.env
      - path: optional.env
        required: false
    environment:
      B: from-environment
`,
		"web.env": "A=from-file\nB=from-file\nC=${TAG}\n",
	})
	p := mustLoad(t, Options{WorkingDir: dir, Environ: map[string]string{"TAG": "t1"}})
	for k, want := range map[string]string{"A": "from-file", "B": "from-environment", "C": "t1"} {
		if got := env(p, "web", k); got != want {
			t.Errorf("environment %s got %q, want %q", k, got, want)
		}
	}
	if got := p.Services["web"].EnvFiles; got != nil {
		t.Errorf("EnvFiles got %v, want nil (merged then discarded, as compose does before hashing)", got)
	}
}

func TestRequiredVariable(t *testing.T) {
	dir := tree(t, map[string]string{"compose.yaml": "services:\n  web:\n    image: \"web:${TAG:?set TAG to the release}\"\n"})
	_, err := tryLoad(Options{WorkingDir: dir})
	if !errors.Is(err, ErrMissingVariable) {
		t.Fatalf("Load() got error %v, want ErrMissingVariable", err)
	}
	for _, want := range []string{"compose.yaml:3:12", "set TAG to the release", "services.web.image"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Load() error %q, want it to contain %q", err, want)
		}
	}
	if _, err := tryLoad(Options{WorkingDir: dir, NoInterpolate: true}); err != nil {
		t.Errorf("Load(NoInterpolate) got error %v, want none", err)
	}
}
