package main

import (
	"context"

	"github.com/spf13/cobra"
)

func newCreateCmd(a *app) *cobra.Command {
	var f upFlags
	cmd := &cobra.Command{
		Use:   "create [OPTIONS] [SERVICE...]",
		Short: "Creates containers for a service",
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := f.resolve(cmd, a.g.environ); err != nil {
				return err
			}
			return a.runLocked(cmd, func(ctx context.Context, s *session) error {
				opts := f.options(cmd, args)
				opts.NoStart = true
				_, plan, _, err := a.planUpPulled(ctx, s, args, &f, opts, false)
				if err != nil {
					return err
				}
				eng, err := s.engine(ctx)
				if err != nil {
					return err
				}
				return a.execute(ctx, eng, plan)
			})
		},
	}
	f.bindCreateFlags(cmd)
	return cmd
}
