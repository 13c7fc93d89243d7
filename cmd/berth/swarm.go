package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/engine/docker"
	"github.com/berth-dev/berth/engine/swarm"
	"github.com/berth-dev/berth/reconcile/stack"
	"github.com/berth-dev/berth/ui"
)

// swarmCommands are the commands --engine swarm runs; the swarm works on
// services, so the container-level ones have no meaning there.
var swarmCommands = []string{"plan", "up", "ps", "logs", "scale", "restart", "rm", "down", "config", "version", "help", "completion"}

// onSwarm reports whether the command runs against a swarm.
func (g *globalOptions) onSwarm() bool { return g.engineName == "swarm" }

// checkSwarmCommand refuses, before anything is loaded, a command that
// --engine swarm cannot run.
func checkSwarmCommand(cmd *cobra.Command) error {
	top := cmd
	for top.HasParent() && top.Parent().HasParent() {
		top = top.Parent()
	}
	if !top.HasParent() || slices.Contains(swarmCommands, top.Name()) {
		return nil
	}
	return fmt.Errorf("berth %s: not available with --engine swarm: a swarm runs services, not containers; with --engine swarm use plan, up, ps, logs, scale, restart, rm or down, or the docker CLI (docker service …)", top.Name())
}

// connectSwarm opens the swarm manager the docker context (--context,
// DOCKER_HOST, DOCKER_CONTEXT, docker's current context) names.
func connectSwarm(dockerContext string, environ map[string]string) (swarm.Swarm, func() error, error) {
	opts, err := docker.OptionsFromEnv(environ, dockerContext)
	if err != nil {
		return nil, nil, err
	}
	c, err := swarm.New(opts)
	if err != nil {
		return nil, nil, err
	}
	return c, c.Close, nil
}

// swarmSession runs fn with a connection to a swarm manager: the daemon
// is checked to manage an active swarm first. A locked session takes the
// project lock through s.lock once fn knows the project.
func (a *app) swarmSession(cmd *cobra.Command, locked bool, fn func(ctx context.Context, s *session, sw swarm.Swarm) error) error {
	return a.runSession(cmd, &session{a: a, mutates: locked}, func(ctx context.Context, s *session) error {
		sw, closeFn, err := a.connectSwarm(ctx, a.g.environ)
		if err != nil {
			return err
		}
		defer func() { _ = closeFn() }()
		if err := sw.Manager(ctx); err != nil {
			return err
		}
		return fn(ctx, s, sw)
	})
}

// swarmDesired loads the project for plan and up and converts it.
func (a *app) swarmDesired(ctx context.Context, args []string, f *upFlags) (*types.Project, stack.Desired, error) {
	p, err := a.g.load(ctx, args, f.noDeps, nil)
	if err != nil {
		return nil, stack.Desired{}, err
	}
	if p, err = withScale(p, f.scale); err != nil {
		return nil, stack.Desired{}, err
	}
	d, err := stack.Build(p)
	return p, d, err
}

// swarmPlan is plan on a swarm.
func (a *app) swarmPlan(cmd *cobra.Command, args []string, o *planOptions) error {
	if err := swarmUnsupportedFlags(cmd, "build", "no-recreate", "ephemeral-ports"); err != nil {
		return err
	}
	return a.swarmSession(cmd, false, func(ctx context.Context, _ *session, sw swarm.Swarm) error {
		_, d, err := a.swarmDesired(ctx, args, &o.upFlags)
		if err != nil {
			return err
		}
		st, err := stack.ObserveFor(ctx, sw, d)
		if err != nil {
			return err
		}
		a.g.writes.Start()
		plan := stack.PlanUp(d, st, stack.UpOptions{RemoveOrphans: o.removeOrphans, Force: o.forceRecreate})
		if err := a.printPlan(plan, o.format); err != nil {
			return err
		}
		if o.detailedExit && !plan.Empty() {
			return &exitError{code: exitChanges}
		}
		return nil
	})
}

// swarmUp is up on a swarm: it always returns once the swarm accepted the
// specs (a swarm keeps the services running), and with --wait once their
// tasks converged.
func (a *app) swarmUp(cmd *cobra.Command, args []string, o *upOptions) error {
	if err := swarmUnsupportedFlags(cmd, "build", "no-build", "no-start", "no-recreate", "renew-anon-volumes", "abort-on-container-exit",
		"abort-on-container-failure", "exit-code-from", "attach", "no-attach", "wait-for", "ephemeral-ports", "reap", "ttl", "pull"); err != nil {
		return err
	}
	return a.swarmSession(cmd, true, func(ctx context.Context, s *session, sw swarm.Swarm) error {
		_, d, err := a.swarmDesired(ctx, args, &o.upFlags)
		if err != nil {
			return err
		}
		if err := s.lock(ctx, d.Project); err != nil {
			return err
		}
		st, err := stack.ObserveFor(ctx, sw, d)
		if err != nil {
			return err
		}
		plan := stack.PlanUp(d, st, stack.UpOptions{RemoveOrphans: o.removeOrphans, Force: o.forceRecreate})
		startedAt := a.now()
		if err := a.applyStack(ctx, sw, plan, false); err != nil || a.g.dryRun {
			return err
		}
		if err := s.unlock(); err != nil {
			return err
		}
		if !o.wait {
			return nil
		}
		var services []string
		for _, svc := range d.Services {
			services = append(services, svc.Name)
		}
		return a.waitStack(ctx, sw, d.Project, services, startedAt, time.Duration(o.waitTimeout)*time.Second)
	})
}

// swarmUnsupportedFlags refuses the flags given on the command line that
// mean nothing on a swarm.
func swarmUnsupportedFlags(cmd *cobra.Command, names ...string) error {
	for _, n := range names {
		if f := cmd.Flags().Lookup(n); f != nil && f.Changed {
			return fmt.Errorf("%s --%s: not available with --engine swarm", cmd.Name(), n)
		}
	}
	return nil
}

// applyStack applies a stack plan with progress, or prints it under
// --dry-run. keepGoing runs every action even after a failure (down).
func (a *app) applyStack(ctx context.Context, sw swarm.Writer, plan stack.Plan, keepGoing bool) error {
	a.g.writes.Start()
	if a.g.dryRun {
		return a.printPlan(plan, "text")
	}
	for _, w := range plan.Warnings {
		fmt.Fprintln(a.stderr, "warning:", w)
	}
	if plan.Empty() {
		return nil
	}
	prog, _, err := a.newProgress()
	if err != nil {
		return err
	}
	err = stack.Apply(ctx, plan, sw, stack.ApplyOptions{Progress: func(e stack.Event) { prog.Event(stackEvent(e)) }, KeepGoing: keepGoing})
	if ctx.Err() != nil {
		prog.Interrupt()
	}
	prog.Close()
	return err
}

// waitStack is up --wait on a swarm.
func (a *app) waitStack(ctx context.Context, sw swarm.Swarm, project string, services []string, since time.Time, timeout time.Duration) error {
	prog, _, err := a.newProgress()
	if err != nil {
		return err
	}
	defer prog.Close()
	err = stack.Wait(ctx, sw, project, stack.WaitOptions{
		Services: services,
		Since:    since,
		Timeout:  timeout,
		Progress: func(e stack.Event) { prog.Event(stackEvent(e)) },
	})
	if ctx.Err() != nil && !errors.Is(err, context.DeadlineExceeded) {
		prog.Interrupt()
	}
	return err
}

// stackEvent adapts a stack event to ui's: "Service shop_web".
func stackEvent(e stack.Event) ui.Event {
	_, noun, _ := strings.Cut(string(e.Kind), "-")
	return ui.Event{ID: eventID(noun, e.Name), Status: ui.Status(e.Status), Text: e.Text, Err: e.Err}
}
