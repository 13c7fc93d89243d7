package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/running"
	"github.com/berth-dev/berth/ui"
)

func newTopCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "top [SERVICES...]",
		Short: "Display the running processes",
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.run(cmd, func(ctx context.Context, s *session) error {
				eng, all, err := a.projectContainers(ctx, s, args)
				if err != nil {
					return err
				}
				// One-off containers run processes too; compose lists them.
				cs := ui.FilterPs(all, ui.PsFilter{OneOff: true, Services: args})
				procs, err := running.Top(ctx, eng, cs)
				if err != nil {
					return err
				}
				return ui.WriteTop(a.stdout, procs)
			})
		},
	}
}
