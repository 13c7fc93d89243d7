package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
)

// exitChanges is plan --detailed-exitcode's code for "something would
// change", as terraform plan uses it.
const exitChanges = 2

type planOptions struct {
	upFlags
	format       string
	detailedExit bool
}

func newPlanCmd(a *app) *cobra.Command {
	var o planOptions
	cmd := &cobra.Command{
		Use:   "plan [OPTIONS] [SERVICE...]",
		Short: "Show what up would change, and why",
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.resolve(cmd, a.g.environ); err != nil {
				return err
			}
			if o.format != "text" && o.format != "json" {
				return fmt.Errorf("--format %q: use text or json", o.format)
			}
			if a.g.onSwarm() {
				return a.swarmPlan(cmd, args, &o)
			}
			return a.run(cmd, func(ctx context.Context, s *session) error {
				_, plan, _, err := a.planUp(ctx, s, args, &o.upFlags, o.options(cmd, args), false)
				if err != nil {
					return err
				}
				if err := a.printPlan(plan, o.format); err != nil {
					return err
				}
				if o.detailedExit && !plan.Empty() {
					return &exitError{code: exitChanges}
				}
				return nil
			})
		},
	}
	o.bindPlanFlags(cmd)
	f := cmd.Flags()
	f.BoolVar(&o.noDeps, "no-deps", false, "Don't plan linked services")
	f.StringVar(&o.pull, "pull", "policy", `Plan as up --pull would ("always"|"missing"|"never"|"build")`)
	f.StringVar(&o.format, "format", "text", "Format the output: text or json")
	f.BoolVar(&o.detailedExit, "detailed-exitcode", false, "Exit with 2 when the plan is not empty, 0 when nothing would change")
	return cmd
}
