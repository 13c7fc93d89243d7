package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/loader"
)

// globalOptions are docker compose's global flags plus berth's --env. Every
// command reads the project through load.
type globalOptions struct {
	environ map[string]string
	stdin   io.Reader

	files       []string
	projectName string
	projectDir  string
	envFiles    []string
	profiles    []string
	parallel    int
	ansi        string
	progress    string
	dryRun      bool
	env         string
	// engineName selects the engine behind every command: docker,
	// native or swarm (--engine, BERTH_ENGINE).
	engineName string
	// dockerContext is --context: the docker context the docker and swarm
	// engines reach their daemon through. DOCKER_CONTEXT is not read here:
	// it ranks below DOCKER_HOST, and the flag above it.
	dockerContext string

	// writes are the loader's cache writes, run while the command applies
	// its plan and waited for when its session ends.
	writes cacheWrites
}

var (
	ansiModes     = []string{"never", "always", "auto"}
	progressModes = []string{"auto", "tty", "plain", "json", "quiet"}
	engineNames   = []string{"docker", "native", "swarm"}
)

// newRootCmd builds the berth command tree. The environment and stdio are
// passed in so that tests run it in-process with their own.
func newRootCmd(env map[string]string, stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	root, _ := newRoot(env, stdin, stdout, stderr)
	return root
}

// newRoot is newRootCmd that also returns the global options, for tests.
func newRoot(env map[string]string, stdin io.Reader, stdout, stderr io.Writer) (*cobra.Command, *globalOptions) {
	g := &globalOptions{environ: env, stdin: stdin}
	root := &cobra.Command{
		Use:           "berth",
		Short:         "Run multi-container stacks from Compose files",
		SilenceUsage:  true,
		SilenceErrors: true,
		// Project flags belong to the root and come before the subcommand,
		// as with docker compose: that frees -f for `logs -f` and `rm -f`.
		TraverseChildren: true,
		// Flag errors get the same "berth: ..." treatment as any other.
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			return g.resolve(cmd)
		},
		// With TraverseChildren cobra no longer rejects an unknown
		// subcommand: it lands here as an argument of the root. A root
		// without Run would print its help and exit 0.
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return nil
			}
			msg := fmt.Sprintf("unknown command %q: run 'berth --help' for the list", args[0])
			if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
				msg += fmt.Sprintf(" (did you mean %q?)", s[0])
			}
			return errors.New(msg)
		},
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
		// cobra's own default for "did you mean"; SuggestionsFor needs it set.
		SuggestionsMinimumDistance: 2,
	}
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	g.bind(root)
	showGlobalFlags(root)
	// --version as in docker compose; `berth version` has the formats.
	root.Version = version
	root.SetVersionTemplate("berth version {{.Version}}\n")

	root.AddCommand(
		newVersionCmd(stdout),
		newConfigCmd(g, stdout),
	)
	for _, newCmd := range appCommands() {
		root.AddCommand(newCmd(newApp(g, stdout, stderr)))
	}
	return root, g
}

// appCommands are the commands that reach the engine, each with an app of
// its own; tests wire the same list to the fake engine.
func appCommands() []func(*app) *cobra.Command {
	return []func(*app) *cobra.Command{
		newUpCmd, newDownCmd, newPsCmd, newLogsCmd, newPlanCmd,
		newStartCmd, newStopCmd, newRestartCmd, newRmCmd, newCreateCmd,
		newVolumesCmd, newWatchCmd,
		newKillCmd, newLsCmd, newPauseCmd, newPortCmd, newScaleCmd, newTopCmd, newUnpauseCmd, newWaitCmd,
		newBuildCmd, newCpCmd, newEventsCmd, newImagesCmd, newImageCmd, newStatsCmd,
		newPullCmd, newPushCmd,
		newAttachCmd, newExecCmd, newRunCmd,
		newGcCmd, newReapCmd, newHoldLeaseCmd,
		newCiCmd,
	}
}

func (g *globalOptions) bind(root *cobra.Command) {
	f := root.Flags()
	f.StringArrayVarP(&g.files, "file", "f", nil, "Compose configuration files (repeatable; - reads stdin)")
	f.StringVarP(&g.projectName, "project-name", "p", "", "Project name")
	f.StringVar(&g.projectDir, "project-directory", "", "Alternate working directory (default: the directory of the first compose file)")
	f.StringArrayVar(&g.envFiles, "env-file", nil, "Alternate environment file (repeatable)")
	f.StringArrayVar(&g.profiles, "profile", nil, "Profile to enable (repeatable)")
	f.IntVar(&g.parallel, "parallel", -1, "Maximum parallel engine calls (-1 for unlimited)")
	f.StringVar(&g.ansi, "ansi", envOr(g.environ, "COMPOSE_ANSI", "auto"), "Control ANSI output: never, always, auto")
	f.StringVar(&g.progress, "progress", envOr(g.environ, "COMPOSE_PROGRESS", "auto"), "Progress output: auto, tty, plain, json, quiet")
	// --dry-run is accepted after the subcommand too, as compose does.
	root.PersistentFlags().BoolVar(&g.dryRun, "dry-run", false, "Show what would change without changing anything")
	f.StringVar(&g.env, "env", g.environ["BERTH_ENV"], "berth environment: adds compose.ENV.yaml and .env.ENV, names the project NAME-ENV")
	f.StringVar(&g.engineName, "engine", envOr(g.environ, "BERTH_ENGINE", "docker"), "Container engine: docker, native or swarm")
	f.StringVar(&g.dockerContext, "context", "", "Docker context to reach the daemon through (default: DOCKER_HOST, else DOCKER_CONTEXT, else docker's current context)")
}

// resolve applies the environment variables that only count when their
// flag is not given, and checks the enumerated flags.
func (g *globalOptions) resolve(cmd *cobra.Command) error {
	if v, ok := g.environ["COMPOSE_PARALLEL_LIMIT"]; ok && v != "" && !cmd.Root().Flags().Changed("parallel") {
		n, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("COMPOSE_PARALLEL_LIMIT=%q: must be an integer", v)
		}
		g.parallel = n
	}
	if !slices.Contains(ansiModes, g.ansi) {
		return fmt.Errorf("--ansi %q: use never, always or auto (or set COMPOSE_ANSI)", g.ansi)
	}
	if !slices.Contains(progressModes, g.progress) {
		return fmt.Errorf("--progress %q: use auto, tty, plain, json or quiet (or set COMPOSE_PROGRESS)", g.progress)
	}
	if !slices.Contains(engineNames, g.engineName) {
		return fmt.Errorf("--engine %q: use docker, native or swarm (or set BERTH_ENGINE)", g.engineName)
	}
	if g.dockerContext != "" && g.engineName == "native" {
		return fmt.Errorf("--context %q: the native engine runs containers itself and has no daemon to reach: drop --context, or use --engine docker or swarm", g.dockerContext)
	}
	if g.engineName == "native" && !nativeLinked {
		return errNativeBuild
	}
	if g.onSwarm() {
		return checkSwarmCommand(cmd)
	}
	return nil
}

// loaderOptions translates the global flags for the loader. COMPOSE_FILE,
// COMPOSE_PROFILES, COMPOSE_ENV_FILES, COMPOSE_PROJECT_NAME and
// COMPOSE_PATH_SEPARATOR are applied by the loader itself, because .env
// can set them too.
func (g *globalOptions) loaderOptions(services []string, noDeps bool) loader.Options {
	return loader.Options{
		ProjectDir:  g.projectDir,
		ConfigFiles: g.files,
		Stdin:       g.stdin,
		ProjectName: g.projectName,
		EnvFiles:    g.envFiles,
		Profiles:    g.profiles,
		Env:         g.env,
		Environ:     g.environ,
		Services:    services,
		NoDeps:      noDeps,
		// From the environment map, so that tests, whose map has no HOME,
		// never cache; BERTH_NO_CACHE=1 turns it off.
		CacheDir: loader.DefaultCacheDir(g.environ),
	}
}

// load reads the project for a command: services narrows it to those
// services (and their dependencies unless noDeps). edited, when not nil,
// is told which services a load spliced from an earlier one found edited
// (see loader.Options.Edited).
//
// Only sessions load this way: runSession waits for the cache writes the
// load hands to the background.
func (g *globalOptions) load(ctx context.Context, services []string, noDeps bool, edited func([]string)) (*types.Project, error) {
	opts := g.loaderOptions(services, noDeps)
	opts.Background = g.writes.Go
	opts.Edited = edited
	return loader.Load(ctx, opts)
}

func envOr(env map[string]string, key, def string) string {
	if v := env[key]; v != "" {
		return v
	}
	return def
}
