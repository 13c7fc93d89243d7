package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/running"
	"github.com/berth-dev/berth/ui"
)

type lsOptions struct {
	all     bool
	quiet   bool
	format  string
	filters []string
	wide    bool
}

func newLsCmd(a *app) *cobra.Command {
	var o lsOptions
	cmd := &cobra.Command{
		Use:   "ls [OPTIONS]",
		Short: "List running compose projects",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			filter, err := running.ParseFilters(o.filters)
			if err != nil {
				return err
			}
			if o.format != "table" && o.format != "json" {
				return fmt.Errorf("--format %q: use table or json", o.format)
			}
			// ls reads no compose file: it lists what the engine holds.
			return a.run(cmd, func(ctx context.Context, s *session) error {
				eng, err := s.engine(ctx)
				if err != nil {
					return err
				}
				cs, err := eng.ProjectContainers(ctx, o.all)
				if err != nil {
					return err
				}
				if o.wide && !o.quiet {
					return a.lsWide(ctx, eng, cs, filter, o.format)
				}
				projects := filter.Apply(running.Projects(cs))
				if o.quiet {
					for _, p := range projects {
						if _, err := fmt.Fprintln(a.stdout, p.Name); err != nil {
							return err
						}
					}
					return nil
				}
				return ui.WriteProjects(a.stdout, projects, o.format)
			})
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&o.all, "all", "a", false, "Show all stopped Compose projects")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "Only display project names")
	f.StringVar(&o.format, "format", "table", "Format the output. Values: [table | json]")
	f.StringArrayVar(&o.filters, "filter", nil, "Filter output based on conditions provided (name=VALUE)")
	f.BoolVar(&o.wide, "wide", false, "Also show each stack's environment, CI id, age and TTL or lease (berth; extra JSON keys)")
	return cmd
}

// lsWide is ls --wide: the stacks with their life, which takes one more
// list call, for the lease containers.
func (a *app) lsWide(ctx context.Context, eng engine.Engine, cs []engine.Container, filter running.NameFilter, format string) error {
	leases, err := eng.LeaseContainers(ctx)
	if err != nil {
		return err
	}
	stacks := running.FilterStacks(filter, running.Stacks(cs, leases))
	return ui.WriteStacks(a.stdout, stacks, format, a.now())
}
