package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/follow"
	"github.com/berth-dev/berth/readiness"
	"github.com/berth-dev/berth/reaper"
	"github.com/berth-dev/berth/reconcile"
	"github.com/berth-dev/berth/ui"
)

type upOptions struct {
	upFlags
	detach         bool
	noStart        bool
	wait           bool
	waitTimeout    int
	waitFor        []string
	waitForSpecs   map[string]readiness.Spec
	abortOnExit    bool
	abortOnFailure bool
	exitCodeFrom   string
	noColor        bool
	noLogPrefix    bool
	timestamps     bool
	menu           bool
	attachTo       []string
	noAttach       []string
	life           lifeFlags
}

func newUpCmd(a *app) *cobra.Command {
	var o upOptions
	cmd := &cobra.Command{
		Use:   "up [OPTIONS] [SERVICE...]",
		Short: "Create and start containers",
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.validate(cmd, a.g.environ); err != nil {
				return err
			}
			if a.g.onSwarm() {
				return a.swarmUp(cmd, args, &o)
			}
			return a.runLocked(cmd, func(ctx context.Context, s *session) error {
				return a.up(ctx, cmd, s, args, &o)
			})
		},
	}
	o.bindCreateFlags(cmd)
	f := cmd.Flags()
	f.BoolVarP(&o.detach, "detach", "d", false, "Detached mode: run containers in the background")
	f.BoolVar(&o.noStart, "no-start", false, "Don't start the services after creating them")
	f.BoolVar(&o.noDeps, "no-deps", false, "Don't start linked services")
	f.IntVarP(&o.timeout, "timeout", "t", 0, "Use this timeout in seconds for container shutdown when attached or when containers are already running")
	f.BoolVar(&o.wait, "wait", false, "Wait for services to be running|healthy. Implies detached mode")
	f.IntVar(&o.waitTimeout, "wait-timeout", 0, "Maximum duration in seconds to wait for the project to be running|healthy")
	f.StringArrayVar(&o.waitFor, "wait-for", nil, "Wait until SERVICE=SPEC holds, replacing the service's x-berth-wait: log:REGEXP, http:PORT[/PATH][=STATUS], tcp:PORT, cmd:COMMAND, timeout:DURATION, interval:DURATION (repeatable). Implies --wait")
	f.BoolVar(&o.abortOnExit, "abort-on-container-exit", false, "Stops all containers if any container was stopped. Incompatible with -d")
	f.StringVar(&o.exitCodeFrom, "exit-code-from", "", "Return the exit code of the selected service container. Implies --abort-on-container-exit")
	f.BoolVar(&o.noColor, "no-color", false, "Produce monochrome output")
	f.BoolVar(&o.noLogPrefix, "no-log-prefix", false, "Don't print prefix in logs")
	f.BoolVar(&o.abortOnFailure, "abort-on-container-failure", false, "Stops all containers if any container exited with failure. Incompatible with -d")
	f.StringArrayVar(&o.attachTo, "attach", nil, "Restrict attaching to the specified services (repeatable)")
	f.StringArrayVar(&o.noAttach, "no-attach", nil, "Do not attach (stream logs) to the specified services (repeatable)")
	f.BoolVar(&o.timestamps, "timestamps", false, "Show timestamps")
	// compose's interactive menu; berth has none, so only false is useful.
	f.BoolVar(&o.menu, "menu", false, "Enable interactive shortcuts when running attached (berth has none)")
	o.life.bind(cmd)
	return cmd
}

// validate checks flag combinations as compose does.
func (o *upOptions) validate(cmd *cobra.Command, environ map[string]string) error {
	if err := o.resolve(cmd, environ); err != nil {
		return err
	}
	if err := o.life.resolve(cmd, environ); err != nil {
		return err
	}
	if o.abortOnExit && o.abortOnFailure {
		return errors.New("--abort-on-container-exit and --abort-on-container-failure are incompatible: pick one")
	}
	if o.exitCodeFrom != "" && !o.abortOnFailure {
		o.abortOnExit = true
	}
	if len(o.waitFor) > 0 {
		specs, err := readiness.ParseFlags(o.waitFor)
		if err != nil {
			return err
		}
		o.waitForSpecs, o.wait = specs, true
	}
	if o.wait {
		if o.abortOnExit || o.abortOnFailure {
			return errors.New("--wait cannot be combined with --abort-on-container-exit or --exit-code-from: --wait returns once services are up")
		}
		o.detach = true
	}
	if o.detach && (o.abortOnExit || o.abortOnFailure) {
		return errors.New("--detach cannot be combined with --abort-on-container-exit or --exit-code-from: drop -d to follow the containers")
	}
	return nil
}

func (a *app) up(ctx context.Context, cmd *cobra.Command, s *session, args []string, o *upOptions) (err error) {
	opts := o.options(cmd, args)
	opts.NoStart = o.noStart
	var owner string
	if o.life.reap && !a.g.dryRun {
		var err error
		if owner, err = newOwner(); err != nil {
			return err
		}
	}
	opts.Labels = stackLabels(a.g.env, o.life.ttl, a.now(), owner)
	// --exit-code-from is checked against the loaded project, after
	// planning; a wrong name must change nothing, so it stops nothing early.
	p, plan, early, err := a.planUpPulled(ctx, s, args, &o.upFlags, opts, !a.g.dryRun && o.exitCodeFrom == "")
	if err != nil {
		return err
	}
	// planUp connected, so this is the session's engine.
	eng, err := s.engine(ctx)
	if err != nil {
		return err
	}
	startedAt := a.now()
	err = o.checkExitCodeFrom(p)
	if err == nil && o.wait {
		// Bad conditions are reported before anything is created.
		_, err = readiness.ForProject(p, o.waitForSpecs)
	}
	// The lease comes before anything is created: a berth killed
	// mid-apply leaves nothing either.
	switch {
	case err != nil || owner == "":
	case o.detach || o.noStart:
		// This berth exits soon: a process of its own holds the lease.
		err = a.spawnHolder(ctx, p.Name, owner)
	default:
		var lease *reaper.Lease
		if lease, err = a.takeLease(ctx, eng, p.Name, owner); err == nil {
			defer func() {
				if rerr := a.releaseLease(context.WithoutCancel(ctx), lease); rerr != nil {
					err = errors.Join(err, rerr)
				}
			}()
		}
	}
	if err == nil {
		err = a.execute(ctx, eng, plan)
	}
	// The early stops the plan did not take over are undone, whatever
	// happened, before another berth may take the lock.
	err = errors.Join(err, early.Restore(context.WithoutCancel(ctx), eng))
	// The apply phase is over: waiting for health and following logs only
	// read, and may last for hours; another berth must not wait that long.
	if uerr := s.unlock(); err == nil {
		err = uerr
	}
	if err != nil || a.g.dryRun || o.noStart {
		return err
	}
	switch {
	case o.wait:
		return a.waitReady(ctx, eng, p, args, time.Duration(o.waitTimeout)*time.Second, o.waitForSpecs)
	case o.detach:
		return nil
	}
	return a.attach(ctx, s, eng, p, plan, args, o, opts.Timeout, startedAt)
}

// checkExitCodeFrom makes sure --exit-code-from names a service of p.
func (o *upOptions) checkExitCodeFrom(p *types.Project) error {
	if o.exitCodeFrom == "" {
		return nil
	}
	if _, err := p.GetService(o.exitCodeFrom); err != nil {
		return fmt.Errorf("--exit-code-from %s: no such service in project %s", o.exitCodeFrom, p.Name)
	}
	return nil
}

// attach follows the selected services' containers (see package follow)
// until they have all exited, one aborts the rest (--abort-on-container-exit
// or -failure) or the user interrupts; the last two stop the project's
// containers, as compose does.
func (a *app) attach(ctx context.Context, s *session, eng engine.Engine, p *types.Project, plan reconcile.Plan, args []string, o *upOptions, timeout *time.Duration, startedAt time.Time) error {
	all, err := eng.Containers(ctx, p.Name)
	if err != nil {
		return err
	}
	containers := ui.FilterPs(all, ui.PsFilter{Stopped: true, Services: args})
	// Containers this up started print everything they wrote; those left
	// running only what comes after, as attaching to them would.
	fresh := map[string]bool{}
	for _, act := range plan.Actions {
		fresh[act.Target.Name] = true
	}
	targets := follow.Targets(containers, follow.Selection{
		Attach:     o.attachTo,
		NoAttach:   o.noAttach,
		Fresh:      fresh,
		Since:      fmt.Sprintf("%d.%09d", startedAt.Unix(), startedAt.Nanosecond()),
		Timestamps: o.timestamps,
	})
	var shown []engine.Container
	for i, c := range containers {
		if !targets[i].Quiet {
			shown = append(shown, c)
		}
	}
	sources := containerSources(shown)
	mux := a.logMux(sources, o.noColor, !o.noLogPrefix)
	names := make([]string, len(sources))
	for i, src := range sources {
		names[i] = src.Name
	}
	fmt.Fprintf(a.stdout, "Attaching to %s\n", strings.Join(names, ", "))

	res, err := follow.Run(ctx, eng, mux, targets, follow.Options{
		Cascade: o.cascade(),
		Notify: func(e follow.Event) {
			switch e {
			case follow.Interrupted:
				fmt.Fprintln(a.stderr, "Gracefully stopping... (press Ctrl+C again to force)")
			case follow.Aborting:
				fmt.Fprintln(a.stderr, "Aborting on container exit...")
			}
		},
		Stop: func(ctx context.Context) error { return a.stopAll(ctx, s, p, timeout) },
	})
	if err != nil {
		return err
	}
	if res.Interrupted {
		return &exitError{code: exitInterrupted}
	}
	if code := res.Code(o.exitCodeFrom); code != 0 {
		return &exitError{code: code}
	}
	return nil
}

// cascade is what ends an attached up early.
func (o *upOptions) cascade() follow.Cascade {
	switch {
	case o.abortOnExit:
		return follow.OnExit
	case o.abortOnFailure:
		return follow.OnFailure
	}
	return follow.Never
}

// stopAll stops every running container of the project, dependents first.
// It changes state, so it takes the project lock again for as long as it
// runs; after an interrupt ctx no longer cancels, and a second Ctrl-C is
// what ends a wait for the lock.
func (a *app) stopAll(ctx context.Context, s *session, p *types.Project, timeout *time.Duration) error {
	eng, state, err := a.observe(ctx, s, p)
	if err == nil {
		err = a.execute(ctx, eng, reconcile.PlanStop(p, state, nil, timeout))
	}
	return errors.Join(err, s.unlock())
}

// waitReady is --wait: reconcile.Wait watches the selected services'
// containers, as they are after apply, with progress, for at most timeout
// (--wait-timeout; zero is no limit), with the services' x-berth-wait
// conditions, or waitFor's (--wait-for) for the services it names. A
// failure is exit code 1, as in compose; its message carries the
// diagnostics, so it is printed as is.
func (a *app) waitReady(ctx context.Context, eng engine.Engine, p *types.Project, args []string, timeout time.Duration, waitFor map[string]readiness.Spec) error {
	return a.waitServices(ctx, eng, p, selection(p, args), timeout, waitFor)
}

// waitServices is waitReady for a list of services (nil for all), as ci
// waits for every service but the one it runs.
func (a *app) waitServices(ctx context.Context, eng engine.Engine, p *types.Project, services []string, timeout time.Duration, waitFor map[string]readiness.Spec) error {
	containers, err := eng.Containers(ctx, p.Name)
	if err != nil {
		return err
	}
	prog, _, err := a.newProgress()
	if err != nil {
		return err
	}
	defer prog.Close()
	err = reconcile.Wait(ctx, eng, p, reconcile.State{Containers: containers}, reconcile.WaitOptions{
		Services: services,
		Timeout:  timeout,
		Progress: func(e reconcile.Event) { prog.Event(progressEvent(e)) },
		WaitFor:  waitFor,
	})
	if ctx.Err() != nil {
		prog.Interrupt()
	}
	return err
}
