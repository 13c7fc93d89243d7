package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/inspect"
	"github.com/berth-dev/berth/ui"
)

type eventsOptions struct {
	json  bool
	since string
	until string
}

func newEventsCmd(a *app) *cobra.Command {
	var o eventsOptions
	cmd := &cobra.Command{
		Use:   "events [OPTIONS] [SERVICE...]",
		Short: "Receive real time events from containers",
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.run(cmd, func(ctx context.Context, s *session) error {
				return a.events(ctx, s, args, &o)
			})
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.json, "json", false, "Output events as a stream of json objects")
	f.StringVar(&o.since, "since", "", "Show all events created since timestamp")
	f.StringVar(&o.until, "until", "", "Stream events until this timestamp")
	return cmd
}

// events streams until the engine's stream ends (--until) or the user
// interrupts it.
func (a *app) events(ctx context.Context, s *session, args []string, o *eventsOptions) error {
	p, err := a.projectOrName(ctx, args, true)
	if err != nil {
		return err
	}
	eng, err := s.engine(ctx)
	if err != nil {
		return err
	}
	a.g.writes.Start()
	write := ui.WriteEvent
	if o.json {
		write = ui.WriteEventJSON
	}
	return inspect.Events(ctx, eng, p.Name, args, engine.EventOptions{Since: o.since, Until: o.until},
		func(e inspect.ServiceEvent) error { return write(a.stdout, e) })
}
