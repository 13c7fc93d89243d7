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
				// One call through the socket before saying ready: the
				// owner's lease means nothing until the reaper can act.
				eng, err := s.engine(ctx)
				if err == nil {
					_, err = eng.Containers(ctx, project)
				}
				if err != nil {
					return fmt.Errorf("reaper of project %s cannot reach the engine: %w", project, err)
				}
				fmt.Fprintln(a.stdout, reaper.ReadyLine)
				return reaper.Watch(ctx, a.g.stdin, func(ctx context.Context) error {
					return gc.Remove(ctx, eng, project)
				})
			})
		},
	}
	cmd.Flags().StringVar(&project, "project", "", "Project whose stack to remove")
	return cmd
}
