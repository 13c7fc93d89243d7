package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/ci"
	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/isolate"
	"github.com/berth-dev/berth/oneoff"
	"github.com/berth-dev/berth/readiness"
	"github.com/berth-dev/berth/reaper"
	"github.com/berth-dev/berth/reconcile"
)

type ciOptions struct {
	upFlags
	waitTimeout   int
	logLines      int
	report        string
	junit         string
	keep          bool
	keepOnFailure bool
	noReap        bool
	env           []string
	keepPorts     bool
	strict        bool
	waitFor       []string
	waitForSpecs  map[string]readiness.Spec
	// life.ttl is --ttl; ci always reaps unless --no-reap.
	life lifeFlags
}

func newCiCmd(a *app) *cobra.Command {
	var o ciOptions
	cmd := &cobra.Command{
		Use:   "ci [OPTIONS] SERVICE [-- COMMAND [ARGS...]]",
		Short: "Bring up a throwaway copy of the stack, run SERVICE against it, and remove it",
		Long: `Bring up a copy of the stack under its own project name (<project>-ci-<id>, the id
from BERTH_CI_ID or the CI system's job variables, else random), with fixed host
ports published on ports the engine picks; wait until it is ready (a one-shot
that exited 0 counts as done); run SERVICE as a one-off container, with COMMAND
in place of its command and BERTH_PORT_<SERVICE>_<PORT> variables saying where
the ports went; then remove everything (down -v --remove-orphans), whatever
happened. A reaper container removes the stack even if berth is killed.

Exit codes: the run's own exit code; 124 when the stack never became ready;
125 when berth itself failed; 130 when interrupted.`,
		// Checked in RunE, so that a usage error gets ci's code for berth
		// failures too.
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return &exitError{code: ci.ExitBerthFailed, err: errors.New("ci: name the service to run, e.g. berth ci tests -- go test ./pkg")}
			}
			if err := o.validate(cmd, a.g); err != nil {
				return &exitError{code: ci.ExitBerthFailed, err: err}
			}
			return a.runLocked(cmd, func(ctx context.Context, s *session) error {
				return a.ci(ctx, cmd, s, args, &o)
			})
		},
	}
	f := cmd.Flags()
	// The command's own flags follow the service, as with run.
	f.SetInterspersed(false)
	f.BoolVar(&o.build, "build", false, "Build images before starting containers")
	f.BoolVar(&o.noBuild, "no-build", false, "Don't build an image, even if it's missing")
	bindPullFlags(cmd, &o.upFlags)
	f.IntVar(&o.waitTimeout, "wait-timeout", 300, "Maximum duration in seconds to wait for the stack to be running|healthy (0: no limit)")
	f.IntVar(&o.logLines, "log-lines", 20, "Log lines per container in failure reports, --report and --junit")
	f.StringVar(&o.report, "report", "", "Write a JSON report of the run to this file")
	f.StringVar(&o.junit, "junit", "", "Write a JUnit XML report of the run to this file")
	f.BoolVar(&o.keep, "keep", false, "Leave the stack running and print the command that removes it")
	f.BoolVar(&o.keepOnFailure, "keep-on-failure", false, "Leave the stack running when the run fails or the stack is not ready")
	f.BoolVar(&o.noReap, "no-reap", false, "Don't start the reaper container: a berth killed with SIGKILL then leaves the stack (berth gc removes it once its --ttl passed)")
	f.DurationVar(&o.life.ttl, "ttl", 0, "Let berth gc remove the stack once this long has passed, should berth and its reaper both fail to, e.g. 2h (also BERTH_TTL)")
	f.StringArrayVarP(&o.env, "env", "e", nil, "Set environment variables for the run (KEY=VAL, or KEY to take it from the environment)")
	f.StringArrayVar(&o.waitFor, "wait-for", nil, "Wait until SERVICE=SPEC holds, replacing the service's x-berth-wait: log:REGEXP, http:PORT[/PATH][=STATUS], tcp:PORT, cmd:COMMAND, timeout:DURATION, interval:DURATION (repeatable)")
	f.BoolVar(&o.keepPorts, "keep-ports", false, "Publish fixed host ports as the file says instead of on ports the engine picks")
	f.BoolVar(&o.strict, "strict", false, "Fail, before creating anything, when the stack shares something with parallel copies of itself (container_name, fixed ports, external networks or volumes)")
	return cmd
}

func (o *ciOptions) validate(cmd *cobra.Command, g *globalOptions) error {
	if g.dryRun {
		return errors.New("ci --dry-run: ci creates and removes a whole stack; see what it would create with berth plan")
	}
	if o.logLines < 0 {
		return fmt.Errorf("--log-lines %d: must not be negative", o.logLines)
	}
	if o.waitTimeout < 0 {
		return fmt.Errorf("--wait-timeout %d: must not be negative", o.waitTimeout)
	}
	if len(o.waitFor) > 0 {
		specs, err := readiness.ParseFlags(o.waitFor)
		if err != nil {
			return err
		}
		o.waitForSpecs = specs
	}
	if err := o.life.resolve(cmd, g.environ); err != nil {
		return err
	}
	// Parallel jobs on one engine would fight over fixed host ports.
	o.ephemeralPorts = !o.keepPorts
	return o.resolve(cmd, g.environ)
}

// ciStack is what a ci run has brought up so far, for the teardown.
type ciStack struct {
	eng    engine.Engine
	p      *types.Project
	others []string // every service but the one that runs
	// selected are the services to load: nil for those enabled, else
	// those and SERVICE, which a profile hid.
	selected []string
	owner    string
	lease    *reaper.Lease
	// applied is set once the up started creating: before that there is
	// nothing to report on.
	applied bool
}

// notReadyError marks a wait that failed: the stack never became ready.
type notReadyError struct{ err error }

func (e *notReadyError) Error() string { return e.err.Error() }
func (e *notReadyError) Unwrap() error { return e.err }

// ciTeardownTimeout bounds the teardown, which runs after an interrupt
// too; the reaper removes what is left if berth gives up.
const ciTeardownTimeout = 3 * time.Minute

// ci is `berth ci`: the cycle (up, wait, run), then the report, always the
// teardown, and an exit code that says which of them failed.
func (a *app) ci(ctx context.Context, cmd *cobra.Command, s *session, args []string, o *ciOptions) error {
	service, command := args[0], args[1:]
	if len(command) > 0 && command[0] == "--" {
		command = command[1:]
	}
	rep := &ci.Report{Service: service, Command: command, Started: a.now(), Phases: []ci.Phase{}, Services: []ci.ServiceReport{}}
	st := &ciStack{}
	err := a.ciCycle(ctx, cmd, s, service, command, o, rep, st)

	// Diagnostics and teardown go on after an interrupt: they are the
	// point of the command.
	after, cancel := context.WithTimeout(context.WithoutCancel(ctx), ciTeardownTimeout)
	defer cancel()
	outcome := ciOutcome(ctx, err, rep)
	if st.applied {
		services, cerr := ci.Collect(after, st.eng, st.p.Name, st.others, o.logLines)
		if cerr != nil {
			fmt.Fprintf(a.stderr, "berth ci: report: %v\n", cerr)
		}
		rep.Services = append(rep.Services, services...)
	}
	keep := o.keep || o.keepOnFailure && outcome != ci.Passed
	t0 := a.now()
	terr := a.ciTeardown(after, s, st, keep)
	if st.eng != nil {
		rep.AddPhase("down", a.now().Sub(t0), terr)
	}
	if terr != nil {
		err = errors.Join(err, fmt.Errorf("teardown of %s: %w", rep.Project, terr))
		if outcome == ci.Passed || outcome == ci.Failed {
			outcome = ci.Errored
		}
	}
	if keep && st.p != nil {
		rep.KeptCommand = fmt.Sprintf("berth -p %s down -v --remove-orphans", st.p.Name)
	}
	rep.Outcome = outcome
	rep.ExitCode = ci.ExitCode(outcome, runCode(rep))
	if err != nil {
		rep.Error = err.Error()
	}
	if werr := a.writeCIReports(rep, o); werr != nil {
		err = errors.Join(err, werr)
		if outcome == ci.Passed {
			rep.Outcome, rep.ExitCode = ci.Errored, ci.ExitBerthFailed
		}
	}
	a.printCIResult(rep, err)
	if rep.ExitCode == 0 {
		return nil
	}
	if rep.Outcome == ci.Errored {
		return &exitError{code: rep.ExitCode, err: err}
	}
	// Everything was printed above.
	return &exitError{code: rep.ExitCode}
}

// ciCycle brings the stack up, waits for it and runs the service, filling
// st with what exists and rep with the phases' times.
func (a *app) ciCycle(ctx context.Context, cmd *cobra.Command, s *session, service string, command []string, o *ciOptions, rep *ci.Report, st *ciStack) error {
	id, source := ci.JobID(a.g.environ)
	if id == "" {
		var err error
		if id, err = ci.RandomID(rand.Reader); err != nil {
			return err
		}
		source = "random, no CI job variables set"
	}
	base, err := a.g.load(ctx, nil, false, nil)
	if err != nil {
		return err
	}
	if _, ok := base.DisabledServices[service]; ok {
		// A test runner usually sits under a profile, so that a plain up
		// leaves it out: ci brings up what up would, plus it, as run does.
		st.selected = append(base.ServiceNames(), service)
		if base, err = a.g.load(ctx, st.selected, false, nil); err != nil {
			return err
		}
	}
	if _, err := base.GetService(service); err != nil {
		return fmt.Errorf("service %q: no such service in project %s", service, base.Name)
	}
	project := ci.ProjectName(base.Name, id)
	rep.Project, rep.CIID = project, id
	// Every later load of this command names the ci project.
	a.g.projectName = project
	fmt.Fprintf(a.stderr, "berth ci: project %s (ci id %s: %s)\n", project, id, source)
	for _, name := range base.ServiceNames() {
		if name != service {
			st.others = append(st.others, name)
		}
	}
	if !o.noReap {
		if st.owner, err = newOwner(); err != nil {
			return err
		}
	}
	// Bad conditions and what parallel copies would share are reported
	// before anything is created; planUp rewrites the fixed host ports
	// (upFlags.ephemeralPorts).
	if _, err := readiness.ForProject(base, o.waitForSpecs); err != nil {
		return err
	}
	findings := isolate.Lint(base, !o.keepPorts)
	if o.strict {
		if err := isolate.Fail(findings); err != nil {
			return err
		}
	}
	for _, f := range findings {
		fmt.Fprintf(a.stderr, "warning: %s\n", f)
	}

	t0 := a.now()
	err = a.ciUp(ctx, cmd, s, o, st, id)
	rep.AddPhase("up", a.now().Sub(t0), err)
	var dep *reconcile.DependencyError
	if errors.As(err, &dep) && ctx.Err() == nil {
		// A depends_on condition failed while coming up: a service of
		// the stack is at fault, as when the wait below fails.
		return &notReadyError{err}
	}
	if err != nil {
		return err
	}
	t0 = a.now()
	err = a.waitServices(ctx, st.eng, st.p, st.others, time.Duration(o.waitTimeout)*time.Second, o.waitForSpecs)
	rep.AddPhase("wait", a.now().Sub(t0), err)
	if err != nil {
		if ctx.Err() != nil {
			return err
		}
		return &notReadyError{err}
	}

	// The run's environment: where the stack's ports are, what ci knows,
	// then the user's -e, which wins.
	containers, err := st.eng.Containers(ctx, project)
	if err != nil {
		return err
	}
	ports := isolate.PortEnv(containers)
	env := make([]string, 0, len(ports)+len(o.env)+2)
	for _, k := range slices.Sorted(maps.Keys(ports)) {
		env = append(env, k+"="+ports[k])
	}
	env = append(env, "BERTH_CI_PROJECT="+project, "BERTH_CI_ID="+id)
	env = append(env, o.env...)
	svc, err := oneoff.Apply(st.p, service, oneoff.RunOptions{Command: command, Env: env})
	if err != nil {
		return err
	}
	tail := ci.NewTail(o.logLines)
	t0 = a.now()
	code, err := a.runContainer(ctx, s, st.p, oneOffRun{
		service: service,
		svc:     svc,
		rm:      true,
		stdout:  io.MultiWriter(a.stdout, tail),
		stderr:  io.MultiWriter(a.stderr, tail),
	})
	d := a.now().Sub(t0)
	rep.AddPhase("run", d, err)
	if err != nil {
		return err
	}
	rep.Run = ci.NewRun(code, d, tail.Lines())
	return nil
}

// ciUp is up without --wait: every service but the one that runs, with
// the ci labels, under a lease that this berth holds until the teardown.
func (a *app) ciUp(ctx context.Context, cmd *cobra.Command, s *session, o *ciOptions, st *ciStack, id string) error {
	var plan reconcile.Plan
	var err error
	if len(st.others) == 0 {
		// Nothing to bring up: the run creates what it needs itself.
		st.p, err = a.g.load(ctx, st.selected, false, nil)
	} else {
		opts := o.options(cmd, nil)
		opts.Services = st.others
		opts.RemoveOrphans = true
		opts.Labels = stackLabels(a.g.env, o.life.ttl, a.now(), st.owner)
		if opts.Labels == nil {
			opts.Labels = map[string]string{}
		}
		opts.Labels[engine.LabelCIID] = id
		st.p, plan, _, err = a.planUpPulled(ctx, s, st.selected, &o.upFlags, opts, false)
	}
	if err != nil {
		return err
	}
	if st.eng, err = s.engine(ctx); err != nil {
		return err
	}
	// The lease comes before anything is created, as with up --reap.
	if st.owner != "" {
		if st.lease, err = a.takeLease(ctx, st.eng, st.p.Name, st.owner); err != nil {
			return err
		}
	}
	st.applied = true
	if err := a.execute(ctx, st.eng, plan); err != nil {
		return err
	}
	return s.unlock()
}

// ciTeardown removes the stack (down -v --remove-orphans), then ends the
// lease, which has the reaper remove whatever the down left. With keep it
// only ends the lease, by removing the reaper before it acts.
func (a *app) ciTeardown(ctx context.Context, s *session, st *ciStack, keep bool) error {
	if st.eng == nil || st.p == nil {
		return nil
	}
	if keep {
		if st.lease == nil {
			return nil
		}
		return errors.Join(a.endLease(ctx, st.eng, st.p.Name), st.lease.Release(ctx))
	}
	eng, state, err := a.observe(ctx, s, st.p)
	if err == nil {
		var plan reconcile.Plan
		plan, err = reconcile.PlanDown(st.p, state, reconcile.DownOptions{Volumes: true, RemoveOrphans: true})
		if err == nil {
			err = a.execute(ctx, eng, plan)
		}
	}
	err = errors.Join(err, s.unlock())
	if st.lease != nil {
		// The down is done: the reaper finds nothing left to remove.
		err = errors.Join(err, st.lease.Release(ctx), leaseGone(ctx, st.eng, st.p.Name))
	}
	return err
}

// leaseGone waits until the project's lease container is gone: Release
// returns when the reaper has exited, and the engine removes it a moment
// later; ci promises that nothing is left once it exits.
func leaseGone(ctx context.Context, eng engine.StacksLister, project string) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		leases, err := eng.LeaseContainers(ctx)
		if err != nil {
			return fmt.Errorf("wait for the reaper of %s to go: %w", project, err)
		}
		if !slices.ContainsFunc(leases, func(c engine.Container) bool { return c.Labels[engine.LabelLease] == project }) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the reaper %s is still there: %w", reaper.ContainerName(project), ctx.Err())
		case <-t.C:
		}
	}
}

// ciOutcome classifies the cycle's result.
func ciOutcome(ctx context.Context, err error, rep *ci.Report) ci.Outcome {
	var nr *notReadyError
	switch {
	case ctx.Err() != nil:
		return ci.Interrupted
	case errors.As(err, &nr):
		return ci.NotReady
	case err != nil:
		return ci.Errored
	case rep.Run != nil && rep.Run.ExitCode != 0:
		return ci.Failed
	}
	return ci.Passed
}

func runCode(rep *ci.Report) int {
	if rep.Run == nil {
		return 0
	}
	return rep.Run.ExitCode
}

// writeCIReports writes --report and --junit.
func (a *app) writeCIReports(rep *ci.Report, o *ciOptions) error {
	var errs []error
	for _, out := range []struct {
		path  string
		write func(io.Writer, *ci.Report) error
	}{{o.report, ci.WriteJSON}, {o.junit, ci.WriteJUnit}} {
		if out.path == "" {
			continue
		}
		f, err := os.Create(out.path)
		if err != nil {
			errs = append(errs, fmt.Errorf("ci report: %w", err))
			continue
		}
		err = out.write(f, rep)
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("ci report %s: %w", out.path, cerr)
		}
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// printCIResult tells, on stderr, why the run failed (grouped by service),
// how to remove a kept stack, and the one-line summary.
func (a *app) printCIResult(rep *ci.Report, err error) {
	var nr *notReadyError
	if errors.As(err, &nr) {
		// reconcile.Wait's error says what was wrong with each container
		// on its unindented lines; the details follow per service.
		fmt.Fprintln(a.stderr, "\nberth ci: the stack did not become ready:")
		for _, l := range strings.Split(nr.err.Error(), "\n") {
			if l != "" && !strings.HasPrefix(l, " ") {
				fmt.Fprintf(a.stderr, "  %s\n", l)
			}
		}
	}
	if rep.Outcome != ci.Passed {
		ci.WriteFailures(a.stderr, rep)
	}
	if rep.KeptCommand != "" {
		fmt.Fprintf(a.stderr, "\nberth ci: the stack is kept; remove it with:\n  %s\n", rep.KeptCommand)
	}
	fmt.Fprintf(a.stderr, "\nberth ci: %s\n", ci.Summary(rep))
}
