package main

import (
	"context"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/reconcile"
)

func newPauseCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "pause [SERVICE...]",
		Short: "Pause services",
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.freeze(cmd, args, reconcile.PlanPause)
		},
	}
}

func newUnpauseCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "unpause [SERVICE...]",
		Short: "Unpause services",
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.freeze(cmd, args, reconcile.PlanUnpause)
		},
	}
}

// freeze runs pause or unpause: only the named services, without what
// they depend on.
func (a *app) freeze(cmd *cobra.Command, args []string, planFn func(*types.Project, reconcile.State, []string) reconcile.Plan) error {
	return a.runLocked(cmd, func(ctx context.Context, s *session) error {
		p, err := a.projectOrName(ctx, args, true)
		if err != nil {
			return err
		}
		eng, state, err := a.observe(ctx, s, p)
		if err != nil {
			return err
		}
		return a.execute(ctx, eng, planFn(p, state, args))
	})
}
