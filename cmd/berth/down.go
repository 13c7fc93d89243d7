package main

import (
	"context"
	"errors"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/reconcile"
)

type downOptions struct {
	volumes       bool
	removeOrphans bool
	timeout       int
	rmi           string
}

func newDownCmd(a *app) *cobra.Command {
	var o downOptions
	cmd := &cobra.Command{
		Use:   "down [OPTIONS]",
		Short: "Stop and remove containers, networks",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if a.g.onSwarm() {
				return a.swarmDown(cmd)
			}
			var orphans upFlags
			orphans.removeOrphans = o.removeOrphans
			if err := orphans.resolve(cmd, a.g.environ); err != nil {
				return err
			}
			opts := reconcile.DownOptions{
				Volumes:       o.volumes,
				RemoveOrphans: orphans.removeOrphans,
				Rmi:           o.rmi,
				Timeout:       timeoutFlag(cmd, o.timeout),
			}
			return a.runLocked(cmd, func(ctx context.Context, s *session) error {
				p, err := a.projectOrName(ctx, nil, false)
				if err != nil {
					return err
				}
				eng, state, err := a.observe(ctx, s, p)
				if err != nil {
					return err
				}
				plan, err := reconcile.PlanDown(p, state, opts)
				if err != nil {
					return err
				}
				err = a.execute(ctx, eng, plan)
				// A down that failed only on networks dockerd keeps
				// (moby/moby#43286) left nothing for the lease to guard;
				// any other failure keeps it, so that the reaper still
				// removes what down could not.
				if a.g.dryRun || (err != nil && !reconcile.OnlyStranded(err)) {
					return err
				}
				return errors.Join(err, a.endLease(ctx, eng, p.Name))
			})
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&o.volumes, "volumes", "v", false, "Remove named volumes declared in the volumes section of the Compose file and anonymous volumes attached to containers")
	f.BoolVar(&o.removeOrphans, "remove-orphans", false, "Remove containers for services not defined in the Compose file (also COMPOSE_REMOVE_ORPHANS)")
	f.IntVarP(&o.timeout, "timeout", "t", 0, "Specify a shutdown timeout in seconds")
	f.StringVar(&o.rmi, "rmi", "", `Remove images used by services: "local" removes only images that don't have a custom tag, "all" removes all images`)
	return cmd
}
