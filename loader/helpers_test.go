package loader

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
)

// tree writes files (path relative to a fresh temp dir → content) and
// returns the dir.
func tree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// mustLoad loads with opts, failing the test on error. Environ defaults to
// an empty map, never the shell's.
func mustLoad(t *testing.T, opts Options) *types.Project {
	t.Helper()
	p, err := tryLoad(opts)
	if err != nil {
		t.Fatalf("Load(%+v) got error %v, want none", opts, err)
	}
	return p
}

func tryLoad(opts Options) (*types.Project, error) {
	if opts.Environ == nil {
		opts.Environ = map[string]string{}
	}
	return Load(context.Background(), opts)
}

func serviceNames(p *types.Project) []string { return p.ServiceNames() }

func env(p *types.Project, service, key string) string {
	v := p.Services[service].Environment[key]
	if v == nil {
		return "<unset>"
	}
	return *v
}

func contains(err error, s string) bool {
	return err != nil && strings.Contains(err.Error(), s)
}
