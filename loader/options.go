package loader

import "io"

// Options says what to load. The zero value loads compose.yaml (and its
// override) from the current directory with an empty environment.
type Options struct {
	// WorkingDir stands in for the current directory: discovery starts
	// here and relative -f, --env-file and --project-directory paths are
	// resolved against it. Empty means os.Getwd.
	WorkingDir string
	// ProjectDir is --project-directory: the base of relative paths in the
	// compose files and the place .env is read from. Empty means the
	// directory of the first compose file.
	ProjectDir string
	// ConfigFiles are the -f values, in order; "-" reads Stdin.
	ConfigFiles []string
	// Stdin is read when a config file is "-".
	Stdin io.Reader
	// ProjectName is -p. It must already be a valid project name.
	ProjectName string
	// EnvFiles are the --env-file values. When empty, COMPOSE_ENV_FILES
	// and then <project dir>/.env are used.
	EnvFiles []string
	// Profiles are the --profile values. When empty, COMPOSE_PROFILES is
	// used. "*" enables every profile.
	Profiles []string
	// Env is the berth environment (--env / BERTH_ENV): it adds
	// compose.<Env>.yaml and .env.<Env> overlays and suffixes the project
	// name with "-<Env>".
	Env string
	// Environ is the process environment. The loader never reads
	// os.Environ: what is not here does not exist.
	Environ map[string]string
	// Services restricts the project to these services, which are enabled
	// even when their profile is not, plus their dependencies unless
	// NoDeps is set. Empty means every active service.
	Services []string
	// NoDeps selects Services without their dependencies.
	NoDeps bool
	// NoInterpolate leaves ${VAR} references as written.
	NoInterpolate bool
	// AllResources keeps networks, volumes, secrets and configs that no
	// selected service uses (compose's --all-resources).
	AllResources bool
	// CacheDir is where loaded projects are cached between runs, keyed by
	// every input (see cache.go). Empty means no cache: tests stay
	// hermetic. [DefaultCacheDir] gives the usual place.
	CacheDir string
	// Background, when set, is handed the cache writes a load leaves
	// behind, encoding included, so that the caller can run them when
	// they cost it least (a write of a large project costs milliseconds,
	// an up's first engine call waits for it otherwise). A write only
	// reads the returned project, which the caller may read meanwhile.
	// The caller must let them finish before it exits; a write cut short
	// leaves only a temporary file, which a later write removes. Nil
	// writes before Load returns.
	Background func(write func())
	// Edited, when set, is told which services' text changed when the
	// project is spliced from the cached load of the same file as it was
	// before those edits (see splice.go). It is a hint that lets an up act
	// on them before it has observed the whole project, not a diff: other
	// loads do not call it, and the engine may differ from the file in
	// other ways.
	Edited func(services []string)
}
