package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/reconcile"
)

func newKillCmd(a *app) *cobra.Command {
	var opts reconcile.KillOptions
	cmd := &cobra.Command{
		Use:   "kill [OPTIONS] [SERVICE...]",
		Short: "Force stop service containers",
		RunE: func(cmd *cobra.Command, args []string) error {
			// COMPOSE_REMOVE_ORPHANS counts here too, as in compose.
			orphans := upFlags{removeOrphans: opts.RemoveOrphans}
			if err := orphans.resolve(cmd, a.g.environ); err != nil {
				return err
			}
			opts.RemoveOrphans = orphans.removeOrphans
			return a.runLocked(cmd, func(ctx context.Context, s *session) error {
				p, err := a.projectOrName(ctx, args, true)
				if err != nil {
					return err
				}
				eng, state, err := a.observe(ctx, s, p)
				if err != nil {
					return err
				}
				plan, err := reconcile.PlanKill(p, state, args, opts)
				if err != nil {
					return err
				}
				return a.execute(ctx, eng, plan)
			})
		},
	}
	cmd.Flags().BoolVar(&opts.RemoveOrphans, "remove-orphans", false, "Also kill containers for services not defined in the Compose file (also COMPOSE_REMOVE_ORPHANS)")
	cmd.Flags().StringVarP(&opts.Signal, "signal", "s", "SIGKILL", "SIGNAL to send to the container")
	return cmd
}
