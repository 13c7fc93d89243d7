package main

import (
	"context"
	"fmt"
	"slices"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/inspect"
	"github.com/berth-dev/berth/ui"
)

type imagesOptions struct {
	quiet  bool
	format string
}

func newImagesCmd(a *app) *cobra.Command {
	var o imagesOptions
	cmd := &cobra.Command{
		Use:   "images [OPTIONS] [SERVICE...]",
		Short: "List images used by the created containers",
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.format != "table" && o.format != "json" {
				return fmt.Errorf("--format %q: use table or json", o.format)
			}
			return a.run(cmd, func(ctx context.Context, s *session) error {
				return a.images(ctx, s, args, &o)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.format, "format", "table", "Format the output. Values: [table | json]")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "Only display IDs")
	return cmd
}

func (a *app) images(ctx context.Context, s *session, args []string, o *imagesOptions) error {
	eng, all, err := a.projectContainers(ctx, s, args)
	if err != nil {
		return err
	}
	rows, err := inspect.Images(ctx, eng, ofServices(all, args))
	if err != nil {
		return err
	}
	switch {
	case o.quiet:
		return ui.WriteImageIDs(a.stdout, rows)
	case o.format == "json":
		return ui.WriteImagesJSON(a.stdout, rows)
	default:
		return ui.WriteImagesTable(a.stdout, rows, a.now())
	}
}

// ofServices keeps the containers of the services named; all when none is.
func ofServices(cs []engine.Container, services []string) []engine.Container {
	if len(services) == 0 {
		return cs
	}
	var out []engine.Container
	for _, c := range cs {
		if slices.Contains(services, c.Labels[engine.LabelService]) {
			out = append(out, c)
		}
	}
	return out
}
