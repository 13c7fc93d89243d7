package loader

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v4"
)

// Compose file names in compose's order of preference.
var (
	defaultFileNames     = []string{"compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml"}
	defaultOverrideNames = []string{"compose.override.yml", "compose.override.yaml", "docker-compose.override.yml", "docker-compose.override.yaml"}
)

// stdinName is how compose names a compose file read from standard input.
const stdinName = "-"

// configFile is one compose file with its content, read exactly once.
type configFile struct {
	path    string // absolute, or "-" for stdin
	display string // as shown in messages: relative to the working dir when inside it
	content []byte

	parsed bool         // nodes is filled, see docs
	nodes  []*yaml.Node // YAML documents, only parsed on error paths
}

// configPaths returns the compose files to load, absolute (or "-"): the -f
// values, else COMPOSE_FILE, else the files discovered from searchDir.
func configPaths(cwd, searchDir string, flags []string, env map[string]string) ([]string, error) {
	if len(flags) > 0 {
		return absPaths(cwd, flags), nil
	}
	if v, ok := env["COMPOSE_FILE"]; ok && v != "" {
		sep := env["COMPOSE_PATH_SEPARATOR"]
		if sep == "" {
			sep = string(os.PathListSeparator)
		}
		var list []string
		for _, f := range strings.Split(v, sep) {
			if f != "" {
				list = append(list, f)
			}
		}
		return absPaths(cwd, list), nil
	}
	return discover(searchDir)
}

// discover looks for a compose file in dir and then in each parent, and
// adds the override file that sits next to it.
func discover(dir string) ([]string, error) {
	for d := dir; ; {
		if base := firstExisting(d, defaultFileNames); base != "" {
			files := []string{base}
			if o := firstExisting(d, defaultOverrideNames); o != "" {
				files = append(files, o)
			}
			return files, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return nil, fmt.Errorf("%w in %s or any parent directory: create compose.yaml or pass -f FILE", ErrNoConfigFile, dir)
		}
		d = parent
	}
}

// envOverlay returns compose.<env>.yaml (or .yml) in dir, or "" when the
// environment has no compose overlay.
func envOverlay(dir, env string) string {
	return firstExisting(dir, []string{"compose." + env + ".yaml", "compose." + env + ".yml"})
}

func firstExisting(dir string, names []string) string {
	for _, n := range names {
		p := filepath.Join(dir, n)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p
		}
	}
	return ""
}

func absPaths(cwd string, list []string) []string {
	out := make([]string, len(list))
	for i, p := range list {
		if p == stdinName {
			out[i] = p
			continue
		}
		out[i] = absFrom(cwd, p)
	}
	return out
}

func absFrom(base, p string) string {
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(base, p)
}

// readConfigFiles reads every compose file once; the loader and, on error,
// the position finder both use this content.
func readConfigFiles(cwd string, paths []string, stdin io.Reader) ([]configFile, error) {
	files := make([]configFile, 0, len(paths))
	usedStdin := false
	for _, p := range paths {
		f := configFile{path: p, display: displayPath(cwd, p)}
		var err error
		if p == stdinName {
			if usedStdin {
				return nil, errors.New(`compose file "-" (stdin) given more than once: pass -f - only once`)
			}
			usedStdin = true
			if stdin == nil {
				return nil, errors.New(`compose file "-": no standard input to read from`)
			}
			f.content, err = io.ReadAll(stdin)
			if err != nil {
				return nil, fmt.Errorf("read compose file from stdin: %w", err)
			}
		} else {
			f.content, err = os.ReadFile(p)
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					return nil, fmt.Errorf("compose file %s: %w: check -f and COMPOSE_FILE", f.display, ErrNoConfigFile)
				}
				return nil, fmt.Errorf("read compose file %s: %w", f.display, err)
			}
		}
		files = append(files, f)
	}
	return files, nil
}

// displayPath shortens p for messages when it lies under cwd.
func displayPath(cwd, p string) string {
	if p == stdinName {
		return "stdin"
	}
	if rel, err := filepath.Rel(cwd, p); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return p
}
