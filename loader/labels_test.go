package loader

import (
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth-dev/berth/engine"
)

func TestCustomLabels(t *testing.T) {
	dir := tree(t, map[string]string{
		"compose.yaml": "name: shop\nservices:\n  web:\n    image: web\n",
		"extra.env":    "A=1\n",
	})
	tests := []struct {
		name     string
		opts     Options
		wantEnvF string
	}{
		{"no env file", Options{WorkingDir: dir}, ""},
		{"explicit env file", Options{WorkingDir: dir, EnvFiles: []string{"extra.env"}}, filepath.Join(dir, "extra.env")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustLoad(t, tt.opts)
			want := map[string]string{
				engine.LabelProject:     "shop",
				engine.LabelService:     "web",
				engine.LabelVersion:     engine.ComposeVersion,
				engine.LabelWorkingDir:  dir,
				engine.LabelConfigFiles: filepath.Join(dir, "compose.yaml"),
				engine.LabelOneoff:      "False",
			}
			if tt.wantEnvF != "" {
				want[engine.LabelEnvFile] = tt.wantEnvF
			}
			if diff := cmp.Diff(want, map[string]string(p.Services["web"].CustomLabels)); diff != "" {
				t.Errorf("CustomLabels mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDefaultPlatform(t *testing.T) {
	dir := tree(t, map[string]string{"compose.yaml": "services:\n  built:\n    build: .\n  pulled:\n    image: x\n  pinned:\n    build: .\n    platform: linux/arm64\n"})
	p := mustLoad(t, Options{WorkingDir: dir, Environ: map[string]string{"DOCKER_DEFAULT_PLATFORM": "linux/amd64"}})
	for svc, want := range map[string]string{"built": "linux/amd64", "pulled": "", "pinned": "linux/arm64"} {
		if got := p.Services[svc].Platform; got != want {
			t.Errorf("services.%s.platform got %q, want %q", svc, got, want)
		}
	}
}

func TestIncludeAndExtends(t *testing.T) {
	dir := tree(t, map[string]string{
		"compose.yaml": `include:
  - db/compose.yaml
services:
  web:
    extends:
      file: base.yaml
      service: base
    environment: {OWN: "1"}
`,
		"base.yaml":       "services:\n  base:\n    image: base:1\n    environment: {FROM_BASE: \"1\"}\n",
		"db/compose.yaml": "services:\n  db:\n    image: db\n",
	})
	p := mustLoad(t, Options{WorkingDir: dir})
	if got := p.ServiceNames(); !cmp.Equal(got, []string{"db", "web"}) {
		t.Errorf("services got %v, want [db web]", got)
	}
	if p.Services["web"].Image != "base:1" || env(p, "web", "FROM_BASE") != "1" || env(p, "web", "OWN") != "1" {
		t.Errorf("web got image %q env %v, want base:1 with FROM_BASE and OWN", p.Services["web"].Image, p.Services["web"].Environment)
	}
}
