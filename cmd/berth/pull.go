package main

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/reconcile"
)

type pullOptions struct {
	quiet           bool
	ignoreFailures  bool
	includeDeps     bool
	ignoreBuildable bool
	policy          string
}

func newPullCmd(a *app) *cobra.Command {
	var o pullOptions
	cmd := &cobra.Command{
		Use:   "pull [OPTIONS] [SERVICE...]",
		Short: "Pull service images",
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.run(cmd, func(ctx context.Context, s *session) error {
				return a.pull(ctx, s, args, o)
			})
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&o.quiet, "quiet", "q", false, "Pull without printing progress information")
	f.BoolVar(&o.ignoreFailures, "ignore-pull-failures", false, "Pull what it can and ignores images with pull failures")
	f.BoolVar(&o.includeDeps, "include-deps", false, "Also pull services declared as dependencies")
	f.BoolVar(&o.ignoreBuildable, "ignore-buildable", false, "Ignore images that can be built")
	f.StringVar(&o.policy, "policy", "", `Apply pull policy ("missing"|"always")`)
	return cmd
}

func (a *app) pull(ctx context.Context, s *session, args []string, o pullOptions) error {
	switch o.policy {
	case "", "missing", "always":
	default:
		return fmt.Errorf("invalid --policy %q: use missing or always", o.policy)
	}
	p, g, err := a.loadSelected(ctx, args, !o.includeDeps)
	if err != nil {
		return err
	}
	eng, err := s.engine(ctx)
	if err != nil {
		return err
	}
	images, err := eng.Images(ctx)
	if err != nil {
		return err
	}
	plan, skips, err := reconcile.PlanPull(p, g, reconcile.State{Images: images}, reconcile.PullOptions{
		Services:        args,
		IncludeDeps:     o.includeDeps,
		Policy:          o.policy,
		IgnoreBuildable: o.ignoreBuildable,
		IgnoreFailures:  o.ignoreFailures,
	})
	if err != nil {
		return err
	}
	if a.g.dryRun {
		return a.printPlan(plan, "text")
	}
	tolerated, err := a.transfer(ctx, eng, plan, "Pulling", transferView{quiet: o.quiet}, skips)
	var build []string
	for _, name := range p.ServiceNames() {
		svc := p.Services[name]
		if svc.Build != nil && slices.Contains(tolerated, svc.Image) && (len(args) == 0 || slices.Contains(args, name)) {
			build = append(build, name)
		}
	}
	if len(build) > 0 {
		fmt.Fprintf(a.stderr, "WARNING: Some service image(s) must be built from source by running:\n    berth build %s\n", strings.Join(build, " "))
	}
	return err
}
