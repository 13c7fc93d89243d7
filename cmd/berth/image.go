package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/docker/go-units"
	"github.com/spf13/cobra"
)

// imageLoader is an engine that reads image archives into its store.
type imageLoader interface {
	LoadImages(ctx context.Context, r io.Reader) ([]string, error)
}

// newImageCmd manages the engine's local images: what the native engine
// needs, having no docker CLI beside it.
func newImageCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "image",
		Short: "Manage the engine's local images (load, ls, rm)",
		Args:  cobra.NoArgs,
	}
	var input string
	load := &cobra.Command{
		Use:   "load [-i FILE]",
		Short: "Load images from a `docker save` or OCI archive (stdin by default)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.run(cmd, func(ctx context.Context, s *session) error {
				return a.imageLoad(ctx, s, input)
			})
		},
	}
	load.Flags().StringVarP(&input, "input", "i", "", "Read from this tar archive instead of stdin")
	quiet := false
	ls := &cobra.Command{
		Use:     "ls",
		Aliases: []string{"list"},
		Short:   "List the engine's images",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.run(cmd, func(ctx context.Context, s *session) error {
				return a.imageList(ctx, s, quiet)
			})
		},
	}
	ls.Flags().BoolVarP(&quiet, "quiet", "q", false, "Only display IDs")
	rm := &cobra.Command{
		Use:     "rm IMAGE...",
		Aliases: []string{"remove"},
		Short:   "Remove images",
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.run(cmd, func(ctx context.Context, s *session) error {
				return a.imageRemove(ctx, s, args)
			})
		},
	}
	cmd.AddCommand(load, ls, rm)
	return cmd
}

func (a *app) imageLoad(ctx context.Context, s *session, input string) error {
	eng, err := s.engine(ctx)
	if err != nil {
		return err
	}
	l, ok := eng.(imageLoader)
	if !ok {
		return fmt.Errorf("image load: not available on the %s engine: use `docker load`", a.g.engineName)
	}
	r := a.g.stdin
	if input != "" {
		f, err := os.Open(input)
		if err != nil {
			return fmt.Errorf("image load: %w", err)
		}
		defer f.Close()
		r = f
	}
	refs, err := l.LoadImages(ctx, r)
	if err != nil {
		return fmt.Errorf("image load: %w", err)
	}
	for _, ref := range refs {
		// As docker load words it, an untagged image by its ID.
		if strings.HasPrefix(ref, "sha256:") {
			fmt.Fprintf(a.stdout, "Loaded image ID: %s\n", ref)
			continue
		}
		fmt.Fprintf(a.stdout, "Loaded image: %s\n", ref)
	}
	return nil
}

func (a *app) imageList(ctx context.Context, s *session, quiet bool) error {
	eng, err := s.engine(ctx)
	if err != nil {
		return err
	}
	images, err := eng.Images(ctx)
	if err != nil {
		return err
	}
	if quiet {
		for _, img := range images {
			fmt.Fprintln(a.stdout, shortImageID(img.ID))
		}
		return nil
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 3, ' ', 0)
	fmt.Fprintln(tw, "IMAGE\tID\tCREATED\tSIZE")
	for _, img := range images {
		tags := img.Tags
		if len(tags) == 0 {
			tags = []string{"<none>"}
		}
		created := "N/A"
		if !img.Created.IsZero() {
			created = units.HumanDuration(a.now().Sub(img.Created)) + " ago"
		}
		for _, t := range tags {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", t, shortImageID(img.ID), created, units.HumanSizeWithPrecision(float64(img.Size), 3))
		}
	}
	return tw.Flush()
}

func (a *app) imageRemove(ctx context.Context, s *session, refs []string) error {
	eng, err := s.engine(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, ref := range refs {
		if err := eng.RemoveImage(ctx, ref); err != nil {
			errs = append(errs, err)
			continue
		}
		fmt.Fprintf(a.stdout, "Untagged: %s\n", ref)
	}
	return errors.Join(errs...)
}

func shortImageID(id string) string {
	id = strings.TrimPrefix(id, "sha256:")
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
