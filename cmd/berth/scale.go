package main

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
)

func newScaleCmd(a *app) *cobra.Command {
	var noDeps bool
	cmd := &cobra.Command{
		Use:   "scale [SERVICE=REPLICAS...]",
		Short: "Scale services",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			services, err := scaleServices(args)
			if err != nil {
				return err
			}
			if a.g.onSwarm() {
				return a.swarmScale(cmd, args)
			}
			// A scale is an up of the named services with their replica
			// counts overridden: what else diverged in them is converged
			// too, and what they depend on unless --no-deps, as in compose.
			f := upFlags{noDeps: noDeps, scale: args}
			return a.runLocked(cmd, func(ctx context.Context, s *session) error {
				_, plan, _, err := a.planUp(ctx, s, services, &f, f.options(cmd, services), false)
				if err != nil {
					return err
				}
				eng, err := s.engine(ctx)
				if err != nil {
					return err
				}
				return a.execute(ctx, eng, plan)
			})
		},
	}
	cmd.Flags().BoolVar(&noDeps, "no-deps", false, "Don't start linked services")
	return cmd
}

// scaleServices checks SERVICE=REPLICAS arguments with compose's messages
// and returns the services, sorted.
func scaleServices(args []string) ([]string, error) {
	var out []string
	for _, arg := range args {
		name, val, ok := strings.Cut(arg, "=")
		if !ok || name == "" || val == "" {
			return nil, fmt.Errorf("invalid scale specifier: %s: want SERVICE=REPLICAS", arg)
		}
		if n, err := strconv.Atoi(val); err != nil || n < 0 {
			return nil, fmt.Errorf("invalid scale specifier: %s: REPLICAS must be a number >= 0", arg)
		}
		if !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out, nil
}
