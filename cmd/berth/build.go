package main

import (
	"context"
	"errors"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/reconcile"
)

type buildOptions struct {
	noCache  bool
	pull     bool
	args     []string
	quiet    bool
	withDeps bool
}

func newBuildCmd(a *app) *cobra.Command {
	var o buildOptions
	cmd := &cobra.Command{
		Use:   "build [OPTIONS] [SERVICE...]",
		Short: "Build or rebuild services",
		RunE: func(cmd *cobra.Command, args []string) error {
			buildArgs, err := o.buildArgs(a.g.environ)
			if err != nil {
				return err
			}
			return a.run(cmd, func(ctx context.Context, s *session) error {
				return a.build(ctx, s, args, &o, buildArgs)
			})
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.noCache, "no-cache", false, "Do not use cache when building the image")
	f.BoolVar(&o.pull, "pull", false, "Always attempt to pull a newer version of the image")
	f.StringArrayVar(&o.args, "build-arg", nil, "Set build-time variables for services (KEY=VAL, or KEY to take it from the environment)")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "Suppress the build output")
	f.BoolVar(&o.withDeps, "with-dependencies", false, "Also build dependencies (transitively)")
	return cmd
}

// buildArgs reads --build-arg: KEY=VAL, or KEY alone, whose value comes
// from the environment and stays unset when the environment lacks it.
func (o *buildOptions) buildArgs(environ map[string]string) (map[string]*string, error) {
	out := map[string]*string{}
	for _, kv := range o.args {
		key, val, ok := strings.Cut(kv, "=")
		if key == "" {
			return nil, errors.New("--build-arg " + kv + ": want KEY=VALUE or KEY")
		}
		if !ok {
			v, set := environ[key]
			if !set {
				out[key] = nil
				continue
			}
			val = v
		}
		out[key] = &val
	}
	return out, nil
}

// build builds the images of the services named (all by default) that
// have a build section, through the same plan and apply path as up.
func (a *app) build(ctx context.Context, s *session, args []string, o *buildOptions, buildArgs map[string]*string) error {
	p, err := a.g.load(ctx, args, !o.withDeps, nil)
	if err != nil {
		return err
	}
	plan, err := reconcile.PlanBuild(p, reconcile.BuildOptions{NoCache: o.noCache, Pull: o.pull, Args: buildArgs})
	if err != nil {
		return err
	}
	a.g.writes.Start()
	if a.g.dryRun {
		return a.printPlan(plan, "text")
	}
	if plan.Empty() {
		return nil
	}
	eng, err := s.engine(ctx)
	if err != nil {
		return err
	}
	var out io.Writer = a.stderr
	if o.quiet {
		out = io.Discard
	}
	return reconcile.Apply(ctx, plan, eng, reconcile.ApplyOptions{Parallel: a.g.parallel, Build: out})
}
