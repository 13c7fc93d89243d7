package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/reconcile"
)

func newRestartCmd(a *app) *cobra.Command {
	var (
		timeout int
		noDeps  bool
	)
	cmd := &cobra.Command{
		Use:   "restart [OPTIONS] [SERVICE...]",
		Short: "Restart service containers",
		RunE: func(cmd *cobra.Command, args []string) error {
			if a.g.onSwarm() {
				return a.swarmRestart(cmd, args)
			}
			t := timeoutFlag(cmd, timeout)
			return a.runLocked(cmd, func(ctx context.Context, s *session) error {
				p, err := a.projectOrName(ctx, args, noDeps)
				if err != nil {
					return err
				}
				eng, state, err := a.observe(ctx, s, p)
				if err != nil {
					return err
				}
				return a.execute(ctx, eng, reconcile.PlanRestart(p, state, selection(p, args), t))
			})
		},
	}
	cmd.Flags().IntVarP(&timeout, "timeout", "t", 0, "Specify a shutdown timeout in seconds")
	cmd.Flags().BoolVar(&noDeps, "no-deps", false, "Don't restart dependent services")
	return cmd
}
