package main

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/ui"
)

type volumesOptions struct {
	quiet  bool
	format string
}

func newVolumesCmd(a *app) *cobra.Command {
	var o volumesOptions
	cmd := &cobra.Command{
		Use:   "volumes [OPTIONS] [SERVICE...]",
		Short: "List volumes",
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.format != "table" && o.format != "json" {
				return fmt.Errorf("--format %q: use table or json", o.format)
			}
			return a.run(cmd, func(ctx context.Context, s *session) error {
				return a.volumes(ctx, s, args, &o)
			})
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&o.quiet, "quiet", "q", false, "Only display volume names")
	f.StringVar(&o.format, "format", "table", "Format the output: table or json")
	return cmd
}

// volumes lists the project's volumes; named services narrow the list to
// the volumes they mount, as compose does.
func (a *app) volumes(ctx context.Context, s *session, args []string, o *volumesOptions) error {
	p, err := a.projectOrName(ctx, args, true)
	if err != nil {
		return err
	}
	eng, err := s.engine(ctx)
	if err != nil {
		return err
	}
	all, err := eng.Volumes(ctx, p.Name)
	if err != nil {
		return err
	}
	a.g.writes.Start()
	volumes := mountedBy(p, args, all)
	slices.SortFunc(volumes, func(x, y engine.Volume) int { return cmp.Compare(x.Name, y.Name) })
	switch {
	case o.quiet:
		for _, v := range volumes {
			fmt.Fprintln(a.stdout, v.Name)
		}
		return nil
	case o.format == "json":
		return ui.WriteVolumesJSON(a.stdout, volumes)
	default:
		return ui.WriteVolumesTable(a.stdout, volumes)
	}
}

// mountedBy keeps the volumes that the named services mount; with no
// service named, or a project known only by name, it keeps them all.
func mountedBy(p *types.Project, services []string, volumes []engine.Volume) []engine.Volume {
	if len(services) == 0 || nameOnly(p) {
		return volumes
	}
	used := map[string]bool{}
	for _, name := range services {
		svc, ok := p.Services[name]
		if !ok {
			continue
		}
		for _, m := range svc.Volumes {
			if m.Type != types.VolumeTypeVolume {
				continue
			}
			if v, ok := p.Volumes[m.Source]; ok {
				used[v.Name] = true
			}
		}
	}
	return slices.DeleteFunc(slices.Clone(volumes), func(v engine.Volume) bool { return !used[v.Name] })
}
