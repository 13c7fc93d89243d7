package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/reconcile"
)

func newStopCmd(a *app) *cobra.Command {
	var timeout int
	cmd := &cobra.Command{
		Use:   "stop [OPTIONS] [SERVICE...]",
		Short: "Stop services",
		RunE: func(cmd *cobra.Command, args []string) error {
			t := timeoutFlag(cmd, timeout)
			return a.runLocked(cmd, func(ctx context.Context, s *session) error {
				// Only the named services stop, as in compose; what depends
				// on them keeps running.
				p, err := a.projectOrName(ctx, args, true)
				if err != nil {
					return err
				}
				eng, state, err := a.observe(ctx, s, p)
				if err != nil {
					return err
				}
				return a.execute(ctx, eng, reconcile.PlanStop(p, state, selection(p, args), t))
			})
		},
	}
	cmd.Flags().IntVarP(&timeout, "timeout", "t", 0, "Specify a shutdown timeout in seconds")
	return cmd
}
