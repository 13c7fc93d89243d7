package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/ui"
)

type psOptions struct {
	all      bool
	quiet    bool
	services bool
	status   []string
	filter   string
	format   string
}

func newPsCmd(a *app) *cobra.Command {
	var o psOptions
	cmd := &cobra.Command{
		Use:   "ps [OPTIONS] [SERVICE...]",
		Short: "List containers",
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.validate(); err != nil {
				return err
			}
			if a.g.onSwarm() {
				return a.swarmPs(cmd, args, &o)
			}
			return a.run(cmd, func(ctx context.Context, s *session) error {
				return a.ps(ctx, s, args, &o)
			})
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&o.all, "all", "a", false, "Show all stopped containers (including those created by the run command)")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "Only display IDs")
	f.BoolVar(&o.services, "services", false, "Display services")
	f.StringArrayVar(&o.status, "status", nil, "Filter services by status. Values: [paused | restarting | removing | running | dead | created | exited]")
	f.StringVar(&o.filter, "filter", "", "Filter services by a property (supported filters: status)")
	f.StringVar(&o.format, "format", "table", "Format the output: table or json")
	return cmd
}

// validate folds --filter status=X into --status and checks values before
// anything is loaded.
func (o *psOptions) validate() error {
	if o.filter != "" {
		key, val, ok := strings.Cut(o.filter, "=")
		if !ok {
			return errors.New("--filter: arguments should be in form KEY=VAL, e.g. status=running")
		}
		if key != "status" {
			return fmt.Errorf("--filter %s: unknown filter %q (supported: status)", o.filter, key)
		}
		o.status = append(o.status, val)
	}
	// The states compose accepts for --status and --filter status=.
	statuses := []string{"paused", "restarting", "removing", "running", "dead", "created", "exited"}
	for _, st := range o.status {
		if !slices.Contains(statuses, st) {
			return fmt.Errorf("--status %q: use one of %s", st, strings.Join(statuses, ", "))
		}
	}
	if o.format != "table" && o.format != "json" && o.format != "" {
		return fmt.Errorf("--format %q: use table or json", o.format)
	}
	return nil
}

func (a *app) ps(ctx context.Context, s *session, args []string, o *psOptions) error {
	_, all, err := a.projectContainers(ctx, s, args)
	if err != nil {
		return err
	}
	containers := ui.FilterPs(all, ui.PsFilter{Stopped: o.all, OneOff: o.all, Statuses: o.status, Services: args})
	switch {
	case o.quiet:
		for _, c := range containers {
			fmt.Fprintln(a.stdout, c.ID)
		}
		return nil
	case o.services:
		for _, svc := range ui.PsServices(containers) {
			fmt.Fprintln(a.stdout, svc)
		}
		return nil
	case o.format == "json":
		return ui.WritePsJSON(a.stdout, containers, ui.PsOptions{Now: a.now()})
	default:
		return ui.WritePsTable(a.stdout, containers, ui.PsOptions{Now: a.now()})
	}
}
