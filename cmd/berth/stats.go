package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/inspect"
	"github.com/berth-dev/berth/ui"
)

// statsRefresh is how often a streaming stats redraws, as docker stats.
const statsRefresh = 500 * time.Millisecond

type statsOptions struct {
	all      bool
	format   string
	noStream bool
	noTrunc  bool
}

func newStatsCmd(a *app) *cobra.Command {
	var o statsOptions
	cmd := &cobra.Command{
		Use:   "stats [OPTIONS] [SERVICE...]",
		Short: "Display a live stream of container(s) resource usage statistics",
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.format != "" && o.format != "table" && o.format != "json" {
				return fmt.Errorf("--format %q: use table or json", o.format)
			}
			return a.run(cmd, func(ctx context.Context, s *session) error {
				return a.stats(ctx, s, args, &o)
			})
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&o.all, "all", "a", false, "Show all containers (default shows just running)")
	f.StringVar(&o.format, "format", "", "Format the output. Values: [table | json]")
	f.BoolVar(&o.noStream, "no-stream", false, "Disable streaming stats and only pull the first result")
	f.BoolVar(&o.noTrunc, "no-trunc", false, "Do not truncate output")
	return cmd
}

func (a *app) stats(ctx context.Context, s *session, args []string, o *statsOptions) error {
	eng, all, err := a.projectContainers(ctx, s, args)
	if err != nil {
		return err
	}
	var containers []engine.Container
	for _, c := range ofServices(all, args) {
		if o.all || c.State == "running" {
			containers = append(containers, c)
		}
	}
	write := func(w io.Writer, rows []inspect.ContainerStats) error {
		if o.format == "json" {
			return ui.WriteStatsJSON(w, rows, o.noTrunc)
		}
		return ui.WriteStatsTable(w, rows, o.noTrunc)
	}
	if o.noStream {
		rows, err := inspect.Stats(ctx, eng, containers)
		if err != nil {
			return err
		}
		return write(a.stdout, rows)
	}
	// On a terminal each refresh replaces the last, as docker stats does;
	// elsewhere the tables follow one another.
	clear := ui.IsTerminal(a.stdout) && o.format != "json"
	return inspect.StreamStats(ctx, eng, containers, statsRefresh, func(rows []inspect.ContainerStats) error {
		if clear {
			if _, err := io.WriteString(a.stdout, "\033[2J\033[H"); err != nil {
				return err
			}
		}
		return write(a.stdout, rows)
	})
}
