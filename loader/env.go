package loader

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/dotenv"
	"github.com/compose-spec/compose-go/v2/types"
)

// environment is the interpolation environment under construction. As in
// compose, a variable keeps the first value it gets: the process environment
// is set first, so it wins over every env file.
type environment struct {
	vars types.Mapping
	read map[string]bool // env files already merged, so none is read twice
}

func newEnvironment(environ map[string]string) *environment {
	vars := make(types.Mapping, len(environ)+1)
	for k, v := range environ {
		vars[k] = v
	}
	return &environment{vars: vars, read: map[string]bool{}}
}

// merge reads files in order (a later file wins over an earlier one) and
// adds their variables that are not set yet.
func (e *environment) merge(files []string) error {
	var todo []string
	for _, f := range files {
		if !e.read[f] {
			e.read[f] = true
			todo = append(todo, f)
		}
	}
	if len(todo) == 0 {
		return nil
	}
	vars, err := dotenv.GetEnvFromFile(e.vars, todo)
	if err != nil {
		return fmt.Errorf("%w: check --env-file and COMPOSE_ENV_FILES", err)
	}
	e.vars.Merge(vars)
	return nil
}

// explicitEnvFiles returns the --env-file values, else COMPOSE_ENV_FILES
// (comma separated), as absolute paths.
func explicitEnvFiles(cwd string, flags []string, environ map[string]string) []string {
	list := flags
	if len(list) == 0 {
		list = strings.FieldsFunc(environ["COMPOSE_ENV_FILES"], func(r rune) bool { return r == ',' })
	}
	out := make([]string, 0, len(list))
	for _, f := range list {
		out = append(out, absFrom(cwd, expandUser(f, environ)))
	}
	return out
}

// envFilesFor lists the env files to read for a project in dir: the
// explicit ones or dir/.env, then the berth environment's .env.<env>.
func envFilesFor(dir string, explicit []string, berthEnv string, environ map[string]string) ([]string, error) {
	files := append([]string(nil), explicit...)
	if len(files) == 0 {
		disabled, err := envFileDisabled(environ)
		if err != nil {
			return nil, err
		}
		if !disabled && isFile(filepath.Join(dir, ".env")) {
			files = append(files, filepath.Join(dir, ".env"))
		}
	}
	if berthEnv != "" {
		if p := filepath.Join(dir, ".env."+berthEnv); isFile(p) {
			files = append(files, p)
		}
	}
	return files, nil
}

func envFileDisabled(environ map[string]string) (bool, error) {
	v, ok := environ["COMPOSE_DISABLE_ENV_FILE"]
	if !ok || v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("COMPOSE_DISABLE_ENV_FILE=%q: want true or false: %w", v, err)
	}
	return b, nil
}

// profilesFrom returns the --profile values, else COMPOSE_PROFILES.
func profilesFrom(flags []string, env map[string]string) []string {
	if len(flags) > 0 {
		return flags
	}
	var out []string
	for _, p := range strings.Split(env["COMPOSE_PROFILES"], ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// expandUser expands a leading ~ with HOME from the given environment, not
// the process's.
func expandUser(p string, environ map[string]string) string {
	home := environ["HOME"]
	if home == "" {
		return p
	}
	if p == "~" {
		return home
	}
	if rest, ok := strings.CutPrefix(p, "~/"); ok {
		return filepath.Join(home, rest)
	}
	return p
}

func isFile(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}
