package loader

import (
	"errors"
	"path/filepath"
	"testing"
)

func TestProjectName(t *testing.T) {
	const plain = "services:\n  web:\n    image: web\n"
	tests := []struct {
		name    string
		compose string
		dir     string
		opts    Options
		want    string
		wantErr error
	}{
		{"directory name normalised", plain, "My.App_1", Options{}, "myapp_1", nil},
		{"top-level name", "name: shop\n" + plain, "dir", Options{}, "shop", nil},
		{"top-level name normalised", "name: My Shop\n" + plain, "dir", Options{}, "myshop", nil},
		{"top-level name interpolated", "name: shop-${STAGE}\n" + plain, "dir", Options{Environ: map[string]string{"STAGE": "qa"}}, "shop-qa", nil},
		{"flow-style top level", `{"name": "flow", "services": {"web": {"image": "web"}}}`, "dir", Options{}, "flow", nil},
		{"COMPOSE_PROJECT_NAME over name:", "name: shop\n" + plain, "dir", Options{Environ: map[string]string{"COMPOSE_PROJECT_NAME": "fromenv"}}, "fromenv", nil},
		{"-p over everything", "name: shop\n" + plain, "dir", Options{ProjectName: "flag", Environ: map[string]string{"COMPOSE_PROJECT_NAME": "fromenv"}}, "flag", nil},
		{"invalid -p", plain, "dir", Options{ProjectName: "Bad Name!"}, "", ErrInvalidProjectName},
		{"invalid COMPOSE_PROJECT_NAME", plain, "dir", Options{Environ: map[string]string{"COMPOSE_PROJECT_NAME": "UPPER"}}, "", ErrInvalidProjectName},
		{"directory without usable characters", plain, "___", Options{}, "", ErrInvalidProjectName},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := tree(t, map[string]string{filepath.Join(tt.dir, "compose.yaml"): tt.compose})
			tt.opts.WorkingDir = filepath.Join(root, tt.dir)
			p, err := tryLoad(tt.opts)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Load() got error %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Load() got error %v, want none", err)
			}
			if p.Name != tt.want {
				t.Errorf("Load().Name got %q, want %q", p.Name, tt.want)
			}
		})
	}
}
