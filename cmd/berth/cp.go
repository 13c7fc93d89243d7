package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/transfer"
	"github.com/berth-dev/berth/ui"
)

type cpOptions struct {
	index      int
	all        bool
	followLink bool
	archive    bool
}

func newCpCmd(a *app) *cobra.Command {
	var o cpOptions
	cmd := &cobra.Command{
		Use: `cp [OPTIONS] SERVICE:SRC_PATH DEST_PATH|-
  berth cp [OPTIONS] SRC_PATH|- SERVICE:DEST_PATH`,
		Short: "Copy files/folders between a service container and the local filesystem",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.run(cmd, func(ctx context.Context, s *session) error {
				return a.cp(ctx, s, args[0], args[1], &o)
			})
		},
	}
	f := cmd.Flags()
	f.IntVar(&o.index, "index", 0, "Index of the container if service has multiple replicas")
	f.BoolVar(&o.all, "all", false, "Include containers created by the run command")
	f.BoolVarP(&o.followLink, "follow-link", "L", false, "Always follow symbol link in SRC_PATH")
	f.BoolVarP(&o.archive, "archive", "a", false, "Archive mode (copy all uid/gid information)")
	return cmd
}

func (a *app) cp(ctx context.Context, s *session, src, dst string, o *cpOptions) error {
	if src == "" || dst == "" {
		return errors.New("cp: the source and the destination must not be empty")
	}
	srcService, srcPath := transfer.SplitArg(src)
	dstService, dstPath := transfer.SplitArg(dst)
	var service string
	switch {
	case srcService != "" && dstService != "":
		return errors.New("cp: copying between services is not supported: copy to the host first")
	case srcService == "" && dstService == "":
		return fmt.Errorf("cp: name a service on one side, e.g. SERVICE:%s", srcPath)
	case srcService != "":
		service = srcService
	default:
		service = dstService
	}
	toService := dstService != ""
	eng, all, err := a.projectContainers(ctx, s, nil)
	if err != nil {
		return err
	}
	targets, err := transfer.Select(all, service, o.index, o.all, toService)
	if err != nil {
		return err
	}
	opts := transfer.Options{FollowLink: o.followLink, Archive: o.archive}
	// A tar on stdin can be read once: several containers get a copy each.
	stdin := func() io.Reader { return a.g.stdin }
	if toService && srcPath == "-" && len(targets) > 1 && !a.g.dryRun {
		b, err := io.ReadAll(a.g.stdin)
		if err != nil {
			return fmt.Errorf("cp: read stdin: %w", err)
		}
		stdin = func() io.Reader { return bytes.NewReader(b) }
	}
	var prog ui.Progress
	if !a.g.dryRun {
		if prog, _, err = a.newProgress(); err != nil {
			return err
		}
		defer prog.Close()
	}
	for _, c := range targets {
		what := fmt.Sprintf("%s:%s to %s", c.Name, srcPath, dstPath)
		copyFn := func() error { return transfer.FromContainer(ctx, eng, c.ID, srcPath, dstPath, a.stdout, opts) }
		if toService {
			what = fmt.Sprintf("%s to %s:%s", srcPath, c.Name, dstPath)
			copyFn = func() error { return transfer.ToContainer(ctx, eng, c.ID, srcPath, dstPath, stdin(), opts) }
		}
		if a.g.dryRun {
			if _, err := fmt.Fprintf(a.stdout, "would copy %s\n", what); err != nil {
				return err
			}
			continue
		}
		id := "Container " + c.Name
		prog.Event(ui.Event{ID: id, Status: ui.StatusWorking, Text: "Copying"})
		if err := copyFn(); err != nil {
			if ctx.Err() != nil {
				prog.Interrupt()
			}
			prog.Event(ui.Event{ID: id, Status: ui.StatusError, Text: "Error", Err: err})
			return fmt.Errorf("cp %s: %w", what, err)
		}
		prog.Event(ui.Event{ID: id, Status: ui.StatusDone, Text: "Copied"})
	}
	return nil
}
