package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/gc"
)

type gcOptions struct {
	olderThan time.Duration
}

func newGcCmd(a *app) *cobra.Command {
	var o gcOptions
	cmd := &cobra.Command{
		Use:   "gc [OPTIONS]",
		Short: "Remove stacks whose TTL passed or whose lease expired",
		Long: `Remove stacks nobody will come back for: those whose TTL (up --ttl, BERTH_TTL)
passed, those whose berth held a lease (up --reap) and is gone, and with
--older-than those whose containers were all created longer ago than that.
A stack whose lease is live, or whose TTL has not passed, is never touched,
nor is anything without a compose project label: gc is safe to run at the
start of every CI job. Removing a stack is down -v --remove-orphans.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.olderThan < 0 {
				return fmt.Errorf("--older-than %s: must not be negative", o.olderThan)
			}
			return a.run(cmd, func(ctx context.Context, s *session) error {
				return a.gc(ctx, s, o)
			})
		},
	}
	cmd.Flags().DurationVar(&o.olderThan, "older-than", 0, "Also remove stacks without a TTL or lease whose containers are all older than this (e.g. 24h)")
	return cmd
}

// gc decides from one snapshot of every project, then removes each stack
// to remove under its project lock, after checking again that no lease
// was taken on it meanwhile: an up --reap may have started since.
func (a *app) gc(ctx context.Context, s *session, o gcOptions) error {
	eng, err := s.engine(ctx)
	if err != nil {
		return err
	}
	stacks, leases, err := snapshot(ctx, eng)
	if err != nil {
		return err
	}
	errs := a.removeStaleLeases(ctx, eng, leases)
	for _, d := range gc.Decide(stacks, gc.Options{Now: a.now(), OlderThan: o.olderThan}) {
		if !d.Remove {
			continue
		}
		if a.g.dryRun {
			fmt.Fprintf(a.stdout, "Would remove stack %s: %s\n", d.Stack.Name, d.Detail)
			continue
		}
		if err := a.collect(ctx, eng, d); err != nil {
			errs = append(errs, fmt.Errorf("remove stack %s: %w", d.Stack.Name, err))
		}
		if ctx.Err() != nil {
			break
		}
	}
	return errors.Join(errs...)
}

func (a *app) collect(ctx context.Context, eng engine.Engine, d gc.Decision) error {
	release, err := a.lockProject(ctx, d.Stack.Name)
	if err != nil {
		return err
	}
	defer release()
	leases, err := eng.LeaseContainers(ctx)
	if err != nil {
		return err
	}
	for _, l := range leases {
		if l.Labels[engine.LabelLease] == d.Stack.Name && l.State == "running" {
			fmt.Fprintf(a.stdout, "Keeping stack %s: a lease was taken on it meanwhile (container %s)\n", d.Stack.Name, l.Name)
			return nil
		}
	}
	fmt.Fprintf(a.stdout, "Removing stack %s: %s\n", d.Stack.Name, d.Detail)
	plan, err := gc.PlanRemove(ctx, eng, d.Stack.Name)
	if err != nil {
		return err
	}
	return a.execute(ctx, eng, plan)
}

// staleLease is how long a lease container may sit unstarted before gc
// takes it for the remains of a berth killed while starting it.
const staleLease = time.Minute

// removeStaleLeases removes lease containers that do not run: they hold
// nothing (the reaper removes itself when it exits, so these were never
// started).
func (a *app) removeStaleLeases(ctx context.Context, eng engine.Engine, leases []engine.Container) []error {
	var errs []error
	for _, l := range leases {
		if l.State == "running" || a.now().Sub(l.Created) < staleLease {
			continue
		}
		if a.g.dryRun {
			fmt.Fprintf(a.stdout, "Would remove stale lease container %s\n", l.Name)
			continue
		}
		fmt.Fprintf(a.stdout, "Removing stale lease container %s\n", l.Name)
		if err := eng.RemoveContainer(ctx, l.ID, engine.RemoveOptions{Force: true}); err != nil && !errors.Is(err, engine.ErrNotFound) {
			errs = append(errs, fmt.Errorf("remove stale lease container %s: %w", l.Name, err))
		}
	}
	return errs
}

// snapshot lists every project's resources and the lease containers.
func snapshot(ctx context.Context, eng engine.Engine) ([]gc.Stack, []engine.Container, error) {
	var (
		cs, leases []engine.Container
		ns         []engine.Network
		vs         []engine.Volume
	)
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) { cs, err = eng.ProjectContainers(ctx, true); return err })
	g.Go(func() (err error) { ns, err = eng.ProjectNetworks(ctx); return err })
	g.Go(func() (err error) { vs, err = eng.ProjectVolumes(ctx); return err })
	g.Go(func() (err error) { leases, err = eng.LeaseContainers(ctx); return err })
	if err := g.Wait(); err != nil {
		return nil, nil, err
	}
	return gc.Stacks(cs, ns, vs, leases), leases, nil
}
