package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/gc"
	"github.com/berth-dev/berth/reaper"
)

// newReapCmd is what runs inside a lease container (see package reaper);
// it is hidden because nobody else should start it.
func newReapCmd(a *app) *cobra.Command {
	var project string
	cmd := &cobra.Command{
		Use:    "reap --project NAME",
		Short:  "Remove a project's stack once standard input ends (berth's lease container)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if project == "" {
				return fmt.Errorf("reap: --project is required")
			}
			return a.run(cmd, func(ctx context.Context, s *session) error {
				return reaper.Watch(ctx, a.g.stdin, func(ctx context.Context) error {
					eng, err := s.engine(ctx)
					if err != nil {
						return err
					}
					return gc.Remove(ctx, eng, project)
				})
			})
		},
	}
	cmd.Flags().StringVar(&project, "project", "", "Project whose stack to remove")
	return cmd
}
