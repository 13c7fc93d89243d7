package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/reconcile"
)

type rmOptions struct {
	force   bool
	stop    bool
	volumes bool
}

func newRmCmd(a *app) *cobra.Command {
	var o rmOptions
	cmd := &cobra.Command{
		Use:   "rm [OPTIONS] [SERVICE...]",
		Short: "Removes stopped service containers",
		RunE: func(cmd *cobra.Command, args []string) error {
			if a.g.onSwarm() {
				return a.swarmRm(cmd, args, &o)
			}
			return a.runLocked(cmd, func(ctx context.Context, s *session) error {
				p, err := a.projectOrName(ctx, args, true)
				if err != nil {
					return err
				}
				eng, state, err := a.observe(ctx, s, p)
				if err != nil {
					return err
				}
				plan := reconcile.PlanRemove(p, state, selection(p, args), o.stop, o.volumes)
				if !o.force && !a.g.dryRun && !plan.Empty() {
					ok, err := a.confirmRemove(cmd.InOrStdin(), plan)
					if err != nil || !ok {
						return err
					}
				}
				return a.execute(ctx, eng, plan)
			})
		},
	}
	f := cmd.Flags()
	// compose spells this -f too, but berth's global -f/--file is a
	// persistent flag and owns the shorthand.
	f.BoolVarP(&o.force, "force", "f", false, "Don't ask to confirm removal")
	f.BoolVarP(&o.stop, "stop", "s", false, "Stop the containers, if required, before removing")
	f.BoolVarP(&o.volumes, "volumes", "v", false, "Remove any anonymous volumes attached to containers")
	return cmd
}

// confirmRemove asks before removing, as compose does without -f; only
// "y" or "yes" goes ahead.
func (a *app) confirmRemove(in io.Reader, plan reconcile.Plan) (bool, error) {
	var names []string
	for _, act := range plan.Actions {
		if act.Kind == reconcile.RemoveContainer {
			names = append(names, act.Target.Name)
		}
	}
	fmt.Fprintf(a.stderr, "Going to remove %s\nAre you sure? [yN] ", strings.Join(names, ", "))
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && err != io.EOF {
		return false, fmt.Errorf("read confirmation from stdin: %w", err)
	}
	answer := strings.ToLower(strings.TrimSpace(line))
	return answer == "y" || answer == "yes", nil
}
