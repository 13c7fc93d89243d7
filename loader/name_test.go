package loader

import (
	"errors"
	"path/filepath"
	"testing"

	cgloader "github.com/compose-spec/compose-go/v2/loader"
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

// NormalizeProjectName must agree with compose-go's, which decides the
// names docker compose gives the same directory.
func TestNormalizeProjectName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"shop", "shop"},
		{"My.App_1", "myapp_1"},
		{"__-x", "x"},
		{"-_", ""},
		{"Straße 9", "strae9"},
		{"\u212Aelvin", "kelvin"}, // the Kelvin sign lowers to an ASCII k
		{"ÀB-c", "b-c"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := NormalizeProjectName(tt.in); got != tt.want {
			t.Errorf("NormalizeProjectName(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if cg := cgloader.NormalizeProjectName(tt.in); cg != tt.want {
			t.Errorf("compose-go's NormalizeProjectName(%q) = %q, the table says %q", tt.in, cg, tt.want)
		}
	}
}

func FuzzNormalizeProjectName(f *testing.F) {
	for _, s := range []string{"My.App_1", "\u212Aelvin", "-_x", "\xff\xfeA"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := NormalizeProjectName(s), cgloader.NormalizeProjectName(s); got != want {
			t.Errorf("NormalizeProjectName(%q) = %q, compose-go says %q", s, got, want)
		}
	})
}
