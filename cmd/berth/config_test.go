package main

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/config")

// repoRoot is where testdata/ lives, relative to this package.
const repoRoot = "../.."

// TestConfigGoldens runs `berth config` variants on the fixtures under
// testdata/config and compares with NAME.golden next to them. Absolute
// paths of the fixture are written as $DIR so that goldens are portable.
func TestConfigGoldens(t *testing.T) {
	tests := []struct {
		fixture string
		golden  string
		args    []string
		env     map[string]string
	}{
		{"shop", "config.yaml", []string{"config"}, nil},
		{"shop", "config.json", []string{"config", "--format", "json"}, nil},
		{"shop", "config-tag.yaml", []string{"config"}, map[string]string{"TAG": "2.1", "API_PORT": "7000"}},
		{"shop", "selected.yaml", []string{"config", "api"}, nil},
		{"shop", "no-interpolate.yaml", []string{"config", "--no-interpolate"}, nil},
		{"shop", "services", []string{"config", "--services"}, nil},
		{"shop", "services-debug", []string{"--profile", "debug", "config", "--services"}, nil},
		{"shop", "volumes", []string{"config", "--volumes"}, nil},
		{"shop", "networks", []string{"config", "--networks"}, nil},
		{"shop", "profiles", []string{"config", "--profiles"}, nil},
		{"shop", "images", []string{"config", "--images"}, nil},
		{"shop", "hash", []string{"config", "--hash", "*"}, nil},
		{"shop", "hash-some", []string{"config", "--hash", "web,db"}, nil},
		{"shop", "images-staging", []string{"--env", "staging", "config", "--images"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.fixture+"/"+tt.golden, func(t *testing.T) {
			dir, err := filepath.Abs(filepath.Join(repoRoot, "testdata", "config", tt.fixture))
			if err != nil {
				t.Fatal(err)
			}
			args := append([]string{"--project-directory", dir, "-f", filepath.Join(dir, "compose.yaml")}, tt.args...)
			code, stdout, stderr := execute(t, tt.env, "", args...)
			if code != 0 {
				t.Fatalf("berth %v got code %d: %s", tt.args, code, stderr)
			}
			got := strings.ReplaceAll(stdout, dir, "$DIR")
			golden := filepath.Join(dir, tt.golden+".golden")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("read golden (run go test -update to create it): %v", err)
			}
			if got != string(want) {
				t.Errorf("berth %v got:\n%s\nwant (%s):\n%s", tt.args, got, golden, want)
			}
		})
	}
}

func TestConfigOutputAndQuiet(t *testing.T) {
	dir := writeCompose(t, "services:\n  web:\n    image: web\n")
	out := filepath.Join(t.TempDir(), "out.yaml")
	tests := []struct {
		name       string
		args       []string
		wantStdout string
		wantFile   string // substring of the -o file; "" means no file
	}{
		{"quiet prints nothing", []string{"config", "-q"}, "", ""},
		{"output goes to the file", []string{"config", "-o", out}, "", "image: web"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			os.Remove(out)
			code, stdout, stderr := execute(t, nil, "", append([]string{"--project-directory", dir}, tt.args...)...)
			if code != 0 || stdout != tt.wantStdout {
				t.Fatalf("berth %v got code %d stdout %q stderr %q, want 0 and %q", tt.args, code, stdout, stderr, tt.wantStdout)
			}
			b, err := os.ReadFile(out)
			if tt.wantFile == "" && err == nil {
				t.Errorf("berth %v wrote %s, want no file", tt.args, out)
			}
			if tt.wantFile != "" && !strings.Contains(string(b), tt.wantFile) {
				t.Errorf("berth %v wrote %q, want it to contain %q", tt.args, b, tt.wantFile)
			}
		})
	}
}

func TestConfigErrors(t *testing.T) {
	fixture, err := filepath.Abs(filepath.Join(repoRoot, "testdata", "config", "errors"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown dependency, with position", []string{"--project-directory", fixture, "config"},
			`berth: ` + filepath.Join(fixture, "compose.yaml") + `:4:18: service "web": depends_on "pg": no such service`},
		{"bad format", []string{"--project-directory", fixture, "config", "--format", "toml"}, `berth: config --format "toml"`},
		{"invalid project name", []string{"--project-directory", fixture, "-p", "Bad Name!", "config"}, `berth: invalid project name "Bad Name!" (from -p)`},
		{"hash of an unknown service", []string{"--project-directory", filepath.Join(fixture, "..", "shop"), "config", "--hash", "nope"}, `berth: no such service: "nope"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := execute(t, nil, "", tt.args...)
			if code != 1 || !strings.Contains(stderr, tt.want) {
				t.Errorf("berth %v got code %d stderr %q, want 1 and %q", tt.args, code, stderr, tt.want)
			}
			if strings.Contains(stderr, "goroutine ") {
				t.Errorf("berth %v printed a stack trace:\n%s", tt.args, stderr)
			}
		})
	}
}

func TestConfigStdin(t *testing.T) {
	code, stdout, stderr := execute(t, nil, "name: piped\nservices:\n  web:\n    image: web\n", "-f", "-", "config", "--services")
	if code != 0 || stdout != "web\n" {
		t.Errorf("berth -f - config --services got code %d stdout %q stderr %q, want 0 and %q", code, stdout, stderr, "web\n")
	}
}

func writeCompose(t *testing.T, content string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "compose.yaml"), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}
