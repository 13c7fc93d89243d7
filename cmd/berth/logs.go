package main

import (
	"context"
	"io"

	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/ui"
)

type logsOptions struct {
	follow      bool
	tail        string
	since       string
	until       string
	timestamps  bool
	noColor     bool
	noLogPrefix bool
}

func newLogsCmd(a *app) *cobra.Command {
	var o logsOptions
	cmd := &cobra.Command{
		Use:   "logs [OPTIONS] [SERVICE...]",
		Short: "View output from containers",
		RunE: func(cmd *cobra.Command, args []string) error {
			if a.g.onSwarm() {
				return a.swarmLogs(cmd, args, &o)
			}
			return a.run(cmd, func(ctx context.Context, s *session) error {
				return a.logs(ctx, s, args, &o)
			})
		},
	}
	f := cmd.Flags()
	// compose spells this -f too, but berth's global -f/--file is a
	// persistent flag and owns the shorthand; see the lead's note on root.go.
	f.BoolVarP(&o.follow, "follow", "f", false, "Follow log output")
	f.StringVarP(&o.tail, "tail", "n", "all", "Number of lines to show from the end of the logs for each container")
	f.StringVar(&o.since, "since", "", "Show logs since timestamp (e.g. 2013-01-02T13:23:37Z) or relative (e.g. 42m for 42 minutes)")
	f.StringVar(&o.until, "until", "", "Show logs before a timestamp (e.g. 2013-01-02T13:23:37Z) or relative (e.g. 42m for 42 minutes)")
	f.BoolVarP(&o.timestamps, "timestamps", "t", false, "Show timestamps")
	f.BoolVar(&o.noColor, "no-color", false, "Produce monochrome output")
	f.BoolVar(&o.noLogPrefix, "no-log-prefix", false, "Don't print prefix in logs")
	return cmd
}

// snapshotStreams bounds how many log streams `logs` without -f reads at
// once.
const snapshotStreams = 16

func (a *app) logs(ctx context.Context, s *session, args []string, o *logsOptions) error {
	eng, all, err := a.projectContainers(ctx, s, args)
	if err != nil {
		return err
	}
	containers := ui.FilterPs(all, ui.PsFilter{Stopped: true, Services: args})
	sources := containerSources(containers)
	mux := a.logMux(sources, o.noColor, !o.noLogPrefix)
	opts := engine.LogOptions{Follow: o.follow, Tail: o.tail, Since: o.since, Until: o.until, Timestamps: o.timestamps}
	// Following needs one goroutine per container: a followed stream only
	// ends when its container stops. A snapshot does not, and bounding it
	// keeps peak memory flat on large projects (each stream holds its own
	// buffers) at no cost in time: the daemon serves a few streams at once
	// as fast as many.
	limit := 0
	if !o.follow {
		limit = snapshotStreams
	}
	// An interrupted follow ends with exit code 130 in app.run.
	return streamLogs(ctx, mux, sources, limit, func(i int, stdout, stderr io.Writer) error {
		return eng.Logs(ctx, containers[i].ID, opts, stdout, stderr)
	})
}

// streamLogs copies the log of each source into mux, the streams read at
// once, at most limit of them when limit > 0; read copies the i-th one's.
// A stream ending because ctx did is no error: the caller reports the
// interruption.
func streamLogs(ctx context.Context, mux *ui.LogMux, sources []ui.LogSource, limit int, read func(i int, stdout, stderr io.Writer) error) error {
	var g errgroup.Group
	if limit > 0 {
		g.SetLimit(limit)
	}
	for i, src := range sources {
		g.Go(func() error {
			stdout, stderr := mux.Writers(src.Name)
			err := read(i, stdout, stderr)
			stdout.Flush()
			stderr.Flush()
			if err != nil && ctx.Err() == nil {
				return err
			}
			return nil
		})
	}
	return g.Wait()
}

// containerSources are the log sources of containers, in their order.
func containerSources(containers []engine.Container) []ui.LogSource {
	sources := make([]ui.LogSource, len(containers))
	for i, c := range containers {
		sources[i] = ui.LogSourceOf(c)
	}
	return sources
}

// logMux makes the multiplexer for sources, colouring prefixes when
// stdout is a terminal (or --ansi always) unless noColor.
func (a *app) logMux(sources []ui.LogSource, noColor, prefix bool) *ui.LogMux {
	color := false
	if !noColor {
		// An invalid --ansi was rejected when the command started.
		color, _ = ui.UseColor(a.g.ansi, ui.IsTerminal(a.stdout), a.g.environ)
	}
	return ui.NewLogMux(a.stdout, ui.LogOptions{Color: color, Prefix: prefix}, sources)
}
