package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/reconcile"
)

type pushOptions struct {
	quiet          bool
	ignoreFailures bool
	includeDeps    bool
}

func newPushCmd(a *app) *cobra.Command {
	var o pushOptions
	cmd := &cobra.Command{
		Use:   "push [OPTIONS] [SERVICE...]",
		Short: "Push service images",
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.run(cmd, func(ctx context.Context, s *session) error {
				return a.push(ctx, s, args, o)
			})
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&o.quiet, "quiet", "q", false, "Push without printing progress information")
	f.BoolVar(&o.ignoreFailures, "ignore-push-failures", false, "Push what it can and ignores images with push failures")
	f.BoolVar(&o.includeDeps, "include-deps", false, "Also push images of services declared as dependencies")
	return cmd
}

func (a *app) push(ctx context.Context, s *session, args []string, o pushOptions) error {
	p, g, err := a.loadSelected(ctx, args, !o.includeDeps)
	if err != nil {
		return err
	}
	plan, skips, err := reconcile.PlanPush(p, g, reconcile.PushOptions{
		Services:       args,
		IncludeDeps:    o.includeDeps,
		IgnoreFailures: o.ignoreFailures,
	})
	if err != nil {
		return err
	}
	if a.g.dryRun {
		return a.printPlan(plan, "text")
	}
	eng, err := s.engine(ctx)
	if err != nil {
		return err
	}
	_, err = a.transfer(ctx, eng, plan, "Pushing", transferView{quiet: o.quiet}, skips)
	return err
}
