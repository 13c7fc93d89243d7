package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestConfigHashVectors checks `config --hash '*'` and `config --format
// json` against what docker compose v5.5 printed for the same files. The
// vectors are read from ../shared/vectors (kept up to date beside the repo
// in CI) and from the copy in testdata/vectors, so the test never silently
// runs on nothing.
func TestConfigHashVectors(t *testing.T) {
	sources := map[string]string{
		"shared": filepath.Join(repoRoot, "..", "shared", "vectors"),
		"local":  filepath.Join(repoRoot, "testdata", "vectors"),
	}
	for source, root := range sources {
		t.Run(source, func(t *testing.T) {
			dirs, err := filepath.Glob(filepath.Join(root, "config-hash", "*"))
			if err != nil {
				t.Fatal(err)
			}
			if len(dirs) == 0 {
				msg := "no vectors in " + root + "/config-hash: the repo expects shared/ cloned beside it"
				if source == "local" || os.Getenv("CI") != "" {
					t.Fatal(msg)
				}
				t.Skip(msg)
			}
			for _, dir := range dirs {
				runVector(t, dir)
			}
		})
	}
}

func runVector(t *testing.T, dir string) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Run(filepath.Base(dir), func(t *testing.T) {
		base := []string{"-f", filepath.Join(dir, "compose.yaml"), "-p", "vec", "--profile", "jobs", "config"}
		checks := []struct {
			args     []string
			expected string
		}{
			{[]string{"--hash", "*"}, "expected.hash"},
			{[]string{"--format", "json"}, "expected.config.json"},
		}
		for _, c := range checks {
			want, err := os.ReadFile(filepath.Join(dir, c.expected))
			if err != nil {
				t.Fatal(err)
			}
			code, stdout, stderr := execute(t, nil, "", append(base, c.args...)...)
			if code != 0 {
				t.Fatalf("berth %v got code %d: %s", c.args, code, stderr)
			}
			if w := strings.ReplaceAll(string(want), "$DIR", dir); stdout != w {
				t.Errorf("berth config %v got:\n%s\nwant (%s):\n%s", c.args, stdout, c.expected, w)
			}
		}
	})
}
