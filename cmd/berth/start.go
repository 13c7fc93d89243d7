package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/reconcile"
)

func newStartCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "start [SERVICE...]",
		Short: "Start services",
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runLocked(cmd, func(ctx context.Context, s *session) error {
				// Dependencies come along: their depends_on conditions gate the start.
				p, err := a.projectOrName(ctx, args, false)
				if err != nil {
					return err
				}
				eng, state, err := a.observe(ctx, s, p)
				if err != nil {
					return err
				}
				return a.execute(ctx, eng, reconcile.PlanStart(p, state, selection(p, args)))
			})
		},
	}
}
