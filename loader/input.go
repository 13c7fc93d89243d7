package loader

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/compose-spec/compose-go/v2/types"
)

// input is everything resolved before compose-go's loader runs.
type input struct {
	opts       Options
	cwd        string
	projectDir string
	paths      []string // compose files, absolute or "-"
	files      []*configFile
	env        types.Mapping
	envFiles   []string // explicit env files, absolute, for the label
	profiles   []string
	name       string
}

func prepare(opts Options) (*input, error) {
	if err := validEnv(opts.Env); err != nil {
		return nil, err
	}
	cwd := opts.WorkingDir
	if cwd == "" {
		var err error
		if cwd, err = os.Getwd(); err != nil {
			return nil, fmt.Errorf("find the working directory: %w", err)
		}
	}
	cwd, err := filepath.Abs(cwd)
	if err != nil {
		return nil, fmt.Errorf("working directory %s: %w", opts.WorkingDir, err)
	}
	in := &input{opts: opts, cwd: cwd}
	if opts.ProjectDir != "" {
		in.projectDir = absFrom(cwd, expandUser(opts.ProjectDir, opts.Environ))
	}
	in.envFiles = explicitEnvFiles(cwd, opts.EnvFiles, opts.Environ)
	env := newEnvironment(opts.Environ)

	// Like compose, read env files twice: first from where we stand, so
	// that .env can set COMPOSE_FILE, COMPOSE_PROFILES and the like, then
	// from the project directory once the compose files are known.
	envDir := in.projectDir
	if envDir == "" {
		envDir = dirOfFirst(cwd, absPaths(cwd, opts.ConfigFiles))
	}
	if err := in.mergeEnv(env, envDir); err != nil {
		return nil, err
	}
	searchDir := in.projectDir
	if searchDir == "" {
		searchDir = cwd
	}
	in.paths, err = configPaths(cwd, searchDir, opts.ConfigFiles, env.vars)
	if err != nil {
		return nil, err
	}
	if in.projectDir == "" {
		in.projectDir = dirOfFirst(cwd, in.paths)
	}
	if in.projectDir != envDir {
		if err := in.mergeEnv(env, in.projectDir); err != nil {
			return nil, err
		}
	}
	if opts.Env != "" {
		// The overlay sits next to the main compose file, like the
		// override file does.
		dir := dirOfFirst(in.projectDir, in.paths)
		if o := envOverlay(dir, opts.Env); o != "" && !slices.Contains(in.paths, o) {
			in.paths = append(in.paths, o)
		}
		if _, ok := env.vars["BERTH_ENV"]; !ok {
			env.vars["BERTH_ENV"] = opts.Env
		}
	}
	files, err := readConfigFiles(cwd, in.paths, opts.Stdin)
	if err != nil {
		return nil, err
	}
	for i := range files {
		in.files = append(in.files, &files[i])
	}
	if _, ok := env.vars["PWD"]; !ok {
		env.vars["PWD"] = cwd
	}
	in.env = env.vars
	in.profiles = profilesFrom(opts.Profiles, env.vars)
	in.name, err = projectName(opts, env.vars, files, in.projectDir)
	if err != nil {
		return nil, err
	}
	return in, nil
}

func (in *input) mergeEnv(env *environment, dir string) error {
	files, err := envFilesFor(dir, in.envFiles, in.opts.Env, in.opts.Environ)
	if err != nil {
		return err
	}
	return env.merge(files)
}

// dirOfFirst is the directory of the first real file in paths, else def.
func dirOfFirst(def string, paths []string) string {
	for _, p := range paths {
		if p != stdinName {
			return filepath.Dir(p)
		}
	}
	return def
}

func (in *input) details() types.ConfigDetails {
	cfgs := make([]types.ConfigFile, len(in.files))
	for i, f := range in.files {
		cfgs[i] = types.ConfigFile{Filename: f.path, Content: f.content}
	}
	return types.ConfigDetails{WorkingDir: in.projectDir, ConfigFiles: cfgs, Environment: in.env}
}
