package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v4"

	"github.com/berth-dev/berth/loader"
	"github.com/berth-dev/berth/planner"
	"github.com/berth-dev/berth/reconcile"
)

type configOptions struct {
	format        string
	quiet         bool
	services      bool
	volumes       bool
	networks      bool
	profiles      bool
	images        bool
	noInterpolate bool
	hash          string
	output        string
}

func newConfigCmd(g *globalOptions, stdout io.Writer) *cobra.Command {
	var opts configOptions
	cmd := &cobra.Command{
		Use:   "config [OPTIONS] [SERVICE...]",
		Short: "Parse, resolve and render the compose files in canonical format",
		RunE: func(cmd *cobra.Command, args []string) error {
			return runConfig(cmd.Context(), g, opts, args, stdout)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.format, "format", "yaml", "Format the output: yaml or json")
	f.BoolVarP(&opts.quiet, "quiet", "q", false, "Only validate the configuration, print nothing")
	f.BoolVar(&opts.services, "services", false, "Print the service names, one per line, dependencies first")
	f.BoolVar(&opts.volumes, "volumes", false, "Print the volume names, one per line")
	f.BoolVar(&opts.networks, "networks", false, "Print the network names, one per line")
	f.BoolVar(&opts.profiles, "profiles", false, "Print the profile names, one per line")
	f.BoolVar(&opts.images, "images", false, "Print the image names, one per line")
	f.BoolVar(&opts.noInterpolate, "no-interpolate", false, "Don't interpolate environment variables")
	f.StringVar(&opts.hash, "hash", "", `Print "service hash" lines for these services (comma separated, or "*" for all)`)
	f.StringVarP(&opts.output, "output", "o", "", "Save to file (default: stdout)")
	return cmd
}

func runConfig(ctx context.Context, g *globalOptions, opts configOptions, args []string, stdout io.Writer) error {
	if opts.format != "yaml" && opts.format != "json" {
		return fmt.Errorf("config --format %q: use yaml or json", opts.format)
	}
	var (
		content []byte
		err     error
	)
	switch {
	case opts.services:
		content, err = configServices(ctx, g, opts)
	case opts.volumes, opts.networks:
		content, err = configResources(ctx, g, opts)
	case opts.hash != "":
		content, err = configHash(ctx, g, opts)
	case opts.profiles:
		content, err = configProfiles(ctx, g, opts, args)
	case opts.images:
		content, err = configImages(ctx, g, opts, args)
	default:
		content, err = configModel(ctx, g, opts, args)
	}
	if err != nil || opts.quiet {
		return err
	}
	if opts.output != "" {
		if err := os.WriteFile(opts.output, content, 0o666); err != nil {
			return fmt.Errorf("config --output: %w", err)
		}
		return nil
	}
	_, err = stdout.Write(content)
	return err
}

func (o configOptions) loaderOptions(g *globalOptions, services []string, noDeps bool) loader.Options {
	lo := g.loaderOptions(services, noDeps)
	lo.NoInterpolate = o.noInterpolate
	return lo
}

// configModel renders the whole project as docker compose does.
func configModel(ctx context.Context, g *globalOptions, opts configOptions, services []string) ([]byte, error) {
	if opts.noInterpolate {
		// Uninterpolated values ("${PORT}:80") cannot be typed, so this is
		// the merged model, as with compose.
		model, err := loader.LoadModel(ctx, opts.loaderOptions(g, services, false))
		if err != nil {
			return nil, err
		}
		return formatModel(model, opts.format)
	}
	p, err := loader.Load(ctx, opts.loaderOptions(g, services, false))
	if err != nil || opts.quiet {
		// -q only validates: rendering would be thrown away.
		return nil, err
	}
	var content []byte
	if opts.format == "json" {
		content, err = p.MarshalJSON()
	} else {
		content, err = p.MarshalYAML()
	}
	if err != nil {
		return nil, fmt.Errorf("render project %s: %w", p.Name, err)
	}
	// Interpolated values are literal: escape them so that the output is a
	// valid compose file meaning the same thing.
	return bytes.ReplaceAll(content, []byte("$"), []byte("$$")), nil
}

func formatModel(model map[string]any, format string) ([]byte, error) {
	if format == "json" {
		b, err := json.MarshalIndent(model, "", "  ")
		if err != nil {
			return nil, fmt.Errorf("render model: %w", err)
		}
		return b, nil
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(model); err != nil {
		return nil, fmt.Errorf("render model: %w", err)
	}
	return buf.Bytes(), nil
}

// configServices lists services in dependency order, ties by name.
func configServices(ctx context.Context, g *globalOptions, opts configOptions) ([]byte, error) {
	p, err := loader.Load(ctx, opts.loaderOptions(g, nil, false))
	if err != nil {
		return nil, err
	}
	graph, err := planner.Build(p)
	if err != nil {
		return nil, err
	}
	return lines(graph.Order()), nil
}

func configResources(ctx context.Context, g *globalOptions, opts configOptions) ([]byte, error) {
	p, err := loader.Load(ctx, opts.loaderOptions(g, nil, false))
	if err != nil {
		return nil, err
	}
	if opts.volumes {
		return lines(p.VolumeNames()), nil
	}
	return lines(p.NetworkNames()), nil
}

// configHash prints the com.docker.compose.config-hash each service's
// containers would get, sorted by service.
func configHash(ctx context.Context, g *globalOptions, opts configOptions) ([]byte, error) {
	var services []string
	if opts.hash != "*" {
		services = strings.Split(opts.hash, ",")
	}
	// Only the hashed services are selected, without dependencies, so a
	// broken env_file elsewhere does not prevent hashing these.
	p, err := loader.Load(ctx, opts.loaderOptions(g, services, true))
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	for _, name := range p.ServiceNames() {
		h, err := reconcile.ServiceHash(p.Services[name])
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(&buf, "%s %s\n", name, h)
	}
	return buf.Bytes(), nil
}

// configProfiles lists every profile any service declares, enabled or not.
func configProfiles(ctx context.Context, g *globalOptions, opts configOptions, services []string) ([]byte, error) {
	p, err := loader.Load(ctx, opts.loaderOptions(g, services, false))
	if err != nil {
		return nil, err
	}
	var profiles []string
	for _, s := range p.AllServices() {
		profiles = append(profiles, s.Profiles...)
	}
	slices.Sort(profiles)
	return lines(slices.Compact(profiles)), nil
}

// configImages lists the image of each service (project-service when it is
// built without a name) and its pre_start hook images, sorted by service.
func configImages(ctx context.Context, g *globalOptions, opts configOptions, services []string) ([]byte, error) {
	p, err := loader.Load(ctx, opts.loaderOptions(g, services, false))
	if err != nil {
		return nil, err
	}
	var out []string
	for _, name := range p.ServiceNames() {
		s := p.Services[name]
		image := imageName(s, p.Name)
		out = append(out, image)
		for _, h := range s.PreStart {
			if h.Image != "" && h.Image != image {
				out = append(out, h.Image)
			}
		}
	}
	return lines(out), nil
}

// imageName is the image a service runs: its image, or the name compose
// gives to an image it builds.
func imageName(s types.ServiceConfig, project string) string {
	if s.Image != "" {
		return s.Image
	}
	return project + "-" + s.Name
}

func lines(list []string) []byte {
	if len(list) == 0 {
		return nil
	}
	return []byte(strings.Join(list, "\n") + "\n")
}
