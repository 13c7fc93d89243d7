package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/swarm"
	"github.com/berth-dev/berth/isolate"
	"github.com/berth-dev/berth/loader"
	"github.com/berth-dev/berth/planner"
	"github.com/berth-dev/berth/reconcile"
	"github.com/berth-dev/berth/ui"
)

// exitInterrupted is the shell's code for a command ended by SIGINT.
const exitInterrupted = 130

// app is the wiring the lifecycle commands share: where output goes, how
// the engine is reached and how signals end a command. Each command gets
// its own app from newApp; tests replace connect with engine/fake and
// notify and exit with their own.
type app struct {
	g      *globalOptions
	stdout io.Writer
	stderr io.Writer

	// connect opens the engine and returns how to close it.
	connect func(ctx context.Context, environ map[string]string) (engine.Engine, func() error, error)
	// connectSwarm opens the swarm manager for --engine swarm.
	connectSwarm func(ctx context.Context, environ map[string]string) (swarm.Swarm, func() error, error)
	// notify subscribes c to SIGINT and SIGTERM and returns the
	// unsubscribe.
	notify func(c chan<- os.Signal) (stop func())
	// exit ends the process at once; the second Ctrl-C calls it with 130.
	exit func(code int)
	// now is the clock for ps ages and log cut-offs.
	now func() time.Time
}

// newApp wires a command to the engine --engine names, the process's
// signals and os.Exit.
func newApp(g *globalOptions, stdout, stderr io.Writer) *app {
	return &app{
		g:      g,
		stdout: stdout,
		stderr: stderr,
		connect: func(ctx context.Context, environ map[string]string) (engine.Engine, func() error, error) {
			return connectEngine(ctx, g.engineName, g.dockerContext, environ)
		},
		connectSwarm: func(_ context.Context, environ map[string]string) (swarm.Swarm, func() error, error) {
			return connectSwarm(g.dockerContext, environ)
		},
		notify: func(c chan<- os.Signal) func() {
			signal.Notify(c, os.Interrupt, syscall.SIGTERM)
			return func() { signal.Stop(c) }
		},
		exit: os.Exit,
		now:  time.Now,
	}
}

// session is one command's run: a context that the first signal cancels,
// an engine connected on first use and, for a command that changes state,
// the project lock taken when the project is first observed.
type session struct {
	a     *app
	eng   engine.Engine
	close func() error

	// mutates marks a command that changes the project: it locks.
	mutates bool
	// release drops the project lock; nil while it is not held.
	release func() error
}

// engine connects on first use, so that a broken compose file is reported
// before berth tries to reach the daemon.
func (s *session) engine(ctx context.Context) (engine.Engine, error) {
	if s.eng != nil {
		return s.eng, nil
	}
	eng, closeFn, err := s.a.connect(ctx, s.a.g.environ)
	if err != nil {
		return nil, err
	}
	s.eng, s.close = eng, closeFn
	return eng, nil
}

// run runs a read-only command (plan, ps, logs); see runSession.
func (a *app) run(cmd *cobra.Command, fn func(ctx context.Context, s *session) error) error {
	return a.runSession(cmd, &session{a: a}, fn)
}

// runLocked runs a command that changes the project (up, create, down,
// start, stop, restart, rm): observing takes the project lock, which is
// released when fn returns, interrupted or not, unless fn released it
// earlier.
func (a *app) runLocked(cmd *cobra.Command, fn func(ctx context.Context, s *session) error) error {
	return a.runSession(cmd, &session{a: a, mutates: true}, fn)
}

// runSession runs fn under signal handling: the first SIGINT or SIGTERM
// cancels its context, so nothing new starts and running operations wind
// down; a second one exits at once with 130 (the kernel then drops the
// lock). The lock and the engine connection are given back after fn
// whatever happened. A run cut short by a signal ends with exit code 130
// and no further message: progress already said "Interrupted".
func (a *app) runSession(cmd *cobra.Command, s *session, fn func(ctx context.Context, s *session) error) error {
	ctx, stop := a.interruptible(cmd.Context())
	defer stop()
	err := fn(ctx, s)
	a.g.writes.Wait()
	if uerr := s.unlock(); uerr != nil && err == nil {
		err = uerr
	}
	if s.close != nil {
		if cerr := s.close(); cerr != nil && err == nil {
			err = fmt.Errorf("close engine connection: %w", cerr)
		}
	}
	if ctx.Err() != nil {
		var ee *exitError
		if errors.As(err, &ee) {
			return err
		}
		return &exitError{code: exitInterrupted}
	}
	return err
}

// interruptible returns a context cancelled by the first signal. main
// cancels its own context on the first signal too, but a second signal
// would then be swallowed; this handler keeps the force path.
func (a *app) interruptible(parent context.Context) (context.Context, func()) {
	if parent == nil {
		parent = context.Background()
	}
	ctx, cancel := context.WithCancel(parent)
	// Two slots: signal.Notify drops signals when the channel is full, and
	// the second one is the one that must not be lost.
	sigs := make(chan os.Signal, 2)
	unsubscribe := a.notify(sigs)
	done := make(chan struct{})
	go func() {
		received := 0
		for {
			select {
			case <-done:
				return
			case <-sigs:
				received++
				if received == 1 {
					cancel()
					continue
				}
				a.exit(exitInterrupted)
				return
			}
		}
	}()
	return ctx, func() {
		unsubscribe()
		close(done)
		cancel()
	}
}

// projectOrName loads the project for commands that can work from the
// project name alone (down, ps, logs, start, stop, restart, rm): when no
// compose file is found but -p or COMPOSE_PROJECT_NAME names a project, the
// project carries only that name, as in docker compose.
func (a *app) projectOrName(ctx context.Context, services []string, noDeps bool) (*types.Project, error) {
	p, err := a.g.load(ctx, services, noDeps, nil)
	if err == nil || !errors.Is(err, loader.ErrNoConfigFile) {
		return p, err
	}
	name := a.g.projectName
	if name == "" {
		name = a.g.environ["COMPOSE_PROJECT_NAME"]
	}
	if name == "" {
		return nil, err
	}
	if name != loader.NormalizeProjectName(name) {
		return nil, fmt.Errorf("project name %q: use only lowercase letters, digits, '-' and '_', starting with a letter or digit", name)
	}
	return &types.Project{Name: name}, nil
}

// nameOnly reports whether p came from a project name without a file.
func nameOnly(p *types.Project) bool {
	return len(p.Services) == 0 && len(p.DisabledServices) == 0 && p.WorkingDir == ""
}

// selection is what to hand a lifecycle planner for the services named on
// the command line: nil for all, else the loaded project's services, which
// include their dependencies unless the command was told otherwise. A
// project known only by name keeps the names as given.
func selection(p *types.Project, args []string) []string {
	if len(args) == 0 {
		return nil
	}
	if nameOnly(p) {
		return args
	}
	return p.ServiceNames()
}

// upFlags are the flags that change an up plan, shared by up, create and
// plan.
type upFlags struct {
	forceRecreate bool
	noRecreate    bool
	removeOrphans bool
	noDeps        bool
	build         bool
	noBuild       bool
	renewAnon     bool
	timeout       int
	scale         []string
	pull          string
	quietPull     bool
	// ephemeralPorts publishes fixed host ports on ports the engine picks
	// (see package isolate).
	ephemeralPorts bool
}

func (f *upFlags) bindPlanFlags(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.BoolVar(&f.forceRecreate, "force-recreate", false, "Recreate containers even if their configuration and image haven't changed")
	fl.BoolVar(&f.noRecreate, "no-recreate", false, "If containers already exist, don't recreate them. Incompatible with --force-recreate")
	fl.BoolVar(&f.removeOrphans, "remove-orphans", false, "Remove containers for services not defined in the Compose file (also COMPOSE_REMOVE_ORPHANS)")
	fl.BoolVar(&f.build, "build", false, "Build images before starting containers")
	fl.BoolVar(&f.ephemeralPorts, "ephemeral-ports", false, "Publish fixed host ports on ports the engine picks, so copies of the stack can run side by side; see them with port --all (berth)")
}

func (f *upFlags) bindCreateFlags(cmd *cobra.Command) {
	f.bindPlanFlags(cmd)
	fl := cmd.Flags()
	fl.BoolVar(&f.noBuild, "no-build", false, "Don't build an image, even if it's missing")
	fl.BoolVarP(&f.renewAnon, "renew-anon-volumes", "V", false, "Recreate anonymous volumes instead of retrieving data from the previous containers")
	fl.StringArrayVar(&f.scale, "scale", nil, "Scale SERVICE to NUM instances (SERVICE=NUM); overrides scale in the Compose file")
	bindPullFlags(cmd, f)
}

// resolve applies COMPOSE_REMOVE_ORPHANS when the flag is not given and
// checks combinations, with compose's messages.
func (f *upFlags) resolve(cmd *cobra.Command, environ map[string]string) error {
	if !cmd.Flags().Changed("remove-orphans") {
		if v, ok := environ["COMPOSE_REMOVE_ORPHANS"]; ok && v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return fmt.Errorf("COMPOSE_REMOVE_ORPHANS=%q: want true or false", v)
			}
			f.removeOrphans = b
		}
	}
	switch {
	case f.forceRecreate && f.noRecreate:
		return errors.New("--force-recreate and --no-recreate are incompatible: pick one")
	case f.build && f.noBuild:
		return errors.New("--build and --no-build are incompatible: pick one")
	case f.renewAnon && f.noRecreate:
		return errors.New("--no-recreate and --renew-anon-volumes are incompatible: pick one")
	}
	return reconcile.CheckPullFlag(f.pull)
}

func (f *upFlags) options(cmd *cobra.Command, services []string) reconcile.UpOptions {
	return reconcile.UpOptions{
		Services:         services,
		NoDeps:           f.noDeps,
		ForceRecreate:    f.forceRecreate,
		NoRecreate:       f.noRecreate,
		RemoveOrphans:    f.removeOrphans,
		RenewAnonVolumes: f.renewAnon,
		Build:            f.build,
		NoBuild:          f.noBuild,
		Pull:             f.pull,
		Timeout:          timeoutFlag(cmd, f.timeout),
	}
}

// timeoutFlag turns -t into the optional duration planners take: nil when
// not given, so each container's own stop timeout applies.
func timeoutFlag(cmd *cobra.Command, seconds int) *time.Duration {
	if !cmd.Flags().Changed("timeout") {
		return nil
	}
	d := time.Duration(seconds) * time.Second
	return &d
}

// withScale returns a copy of p with --scale SERVICE=N applied.
func withScale(p *types.Project, scale []string) (*types.Project, error) {
	if len(scale) == 0 {
		return p, nil
	}
	want := map[string]int{}
	for _, s := range scale {
		name, val, ok := strings.Cut(s, "=")
		n, err := strconv.Atoi(val)
		if !ok || err != nil || n < 0 {
			return nil, fmt.Errorf("--scale %q: want SERVICE=NUM with NUM a number >= 0", s)
		}
		if _, err := p.GetService(name); err != nil {
			return nil, fmt.Errorf("--scale %q: no such service %q in project %s", s, name, p.Name)
		}
		want[name] = n
	}
	return p.WithServicesTransform(func(name string, s types.ServiceConfig) (types.ServiceConfig, error) {
		if n, ok := want[name]; ok {
			s.SetScale(n)
		}
		return s, nil
	})
}

// planUp is the chain up, create and plan share: load, graph, observe,
// decide. An up that applies what it plans passes stopEarly: the stale
// containers of the services the load found edited then stop beside the
// observation (see reconcile.StopEarly), and the caller must Restore the
// returned stops once it applied the plan. On error planUp has restored
// them itself.
func (a *app) planUp(ctx context.Context, s *session, args []string, f *upFlags, opts reconcile.UpOptions, stopEarly bool) (*types.Project, reconcile.Plan, *reconcile.EarlyStops, error) {
	var edited []string
	p, err := a.g.load(ctx, args, f.noDeps, func(names []string) { edited = names })
	if err != nil {
		return nil, reconcile.Plan{}, nil, err
	}
	if opts.SubnetPool, err = subnetPool(a.g.environ); err != nil {
		return nil, reconcile.Plan{}, nil, err
	}
	if p, err = withScale(p, f.scale); err != nil {
		return nil, reconcile.Plan{}, nil, err
	}
	if f.ephemeralPorts {
		// Ports are in the config hash: the rewrite is deterministic, so
		// repeated rewritten ups plan nothing, but an up without it
		// recreates what has ports, and the other way round.
		p, _ = isolate.RewritePorts(p)
	}
	g, err := planner.Build(p)
	if err != nil {
		return nil, reconcile.Plan{}, nil, err
	}
	eng, err := a.lockedEngine(ctx, s, p)
	if err != nil {
		return nil, reconcile.Plan{}, nil, err
	}
	if stopEarly && len(edited) > 0 {
		opts.Early = reconcile.StopEarly(ctx, eng, p, g, edited, opts)
	}
	state, err := reconcile.ObserveUp(ctx, eng, p)
	var plan reconcile.Plan
	if err == nil {
		opts.Now = a.now()
		plan, err = reconcile.PlanUp(p, g, state, opts)
	}
	if err != nil {
		return nil, reconcile.Plan{}, nil, errors.Join(err, opts.Early.Restore(context.WithoutCancel(ctx), eng))
	}
	return p, plan, opts.Early, nil
}

// observe takes the snapshot a lifecycle planner needs; see lockedEngine.
func (a *app) observe(ctx context.Context, s *session, p *types.Project) (engine.Engine, reconcile.State, error) {
	eng, err := a.lockedEngine(ctx, s, p)
	if err != nil {
		return nil, reconcile.State{}, err
	}
	state, err := reconcile.Observe(ctx, eng, p.Name)
	return eng, state, err
}

// lockedEngine connects to the engine after taking the project lock when
// the session changes state: a snapshot taken before the lock could be
// stale by the time the plan made from it is applied.
func (a *app) lockedEngine(ctx context.Context, s *session, p *types.Project) (engine.Engine, error) {
	if err := s.lock(ctx, p.Name); err != nil {
		return nil, err
	}
	return s.engine(ctx)
}

// execute applies plan with progress, or prints it under --dry-run and
// changes nothing.
func (a *app) execute(ctx context.Context, eng reconcile.Engine, plan reconcile.Plan) error {
	a.g.writes.Start()
	if a.g.dryRun {
		return a.printPlan(plan, "text")
	}
	for _, w := range plan.Warnings {
		fmt.Fprintln(a.stderr, w)
	}
	if plan.Empty() {
		return nil
	}
	prog, mode, err := a.newProgress()
	if err != nil {
		return err
	}
	// Build output would tear the live view apart, so it is held and shown
	// only if something failed; other modes stream it.
	var held bytes.Buffer
	var build io.Writer = a.stderr
	switch mode {
	case ui.ProgressTTY:
		build = &held
	case ui.ProgressQuiet, ui.ProgressJSON:
		build = io.Discard
	}
	err = reconcile.Apply(ctx, plan, eng, reconcile.ApplyOptions{
		Parallel:   a.g.parallel,
		Progress:   func(e reconcile.Event) { prog.Event(progressEvent(e)) },
		Build:      build,
		StateDir:   runtimeDir(a.g.environ),
		SubnetLock: a.subnetLock,
	})
	if ctx.Err() != nil {
		prog.Interrupt()
	}
	prog.Close()
	if err != nil && held.Len() > 0 {
		_, _ = a.stderr.Write(held.Bytes())
	}
	return err
}

// newProgress makes the progress renderer the global flags ask for, drawn
// on stderr as compose does, so that stdout stays for data.
func (a *app) newProgress() (ui.Progress, ui.ProgressMode, error) {
	tty := ui.IsTerminal(a.stderr)
	mode, err := ui.ResolveProgress(a.g.progress, a.g.ansi, tty)
	if err != nil {
		return nil, "", err
	}
	color, err := ui.UseColor(a.g.ansi, tty, a.g.environ)
	if err != nil {
		return nil, "", err
	}
	prog := ui.NewProgress(a.stderr, ui.ProgressOptions{Mode: mode, Color: color, Title: "Running", Width: ui.TerminalWidth(a.stderr)})
	return prog, mode, nil
}

// progressEvent adapts reconcile's event to ui's: "Container shop-db-1".
func progressEvent(e reconcile.Event) ui.Event {
	return ui.Event{
		ID:      eventID(e.Target.Type, e.Target.Name),
		Status:  ui.Status(e.Status),
		Text:    e.Text,
		Details: e.Detail,
		Err:     e.Err,
	}
}

// eventID names what an event is about as "Kind name", the kind
// capitalised; either may be empty.
func eventID(kind, name string) string {
	if kind != "" {
		kind = strings.ToUpper(kind[:1]) + kind[1:]
	}
	return strings.TrimSpace(kind + " " + name)
}

// printPlan writes a plan, a project's or a stack's, to stdout: its text
// (with coloured symbols on a terminal) or its JSON.
func (a *app) printPlan(plan interface {
	fmt.Stringer
	json.Marshaler
}, format string) error {
	switch format {
	case "json":
		b, err := json.Marshal(plan)
		if err != nil {
			return fmt.Errorf("encode plan: %w", err)
		}
		_, err = fmt.Fprintln(a.stdout, string(b))
		return err
	case "text", "":
		text := plan.String()
		if tty := ui.IsTerminal(a.stdout); tty {
			color, err := ui.UseColor(a.g.ansi, tty, a.g.environ)
			if err != nil {
				return err
			}
			text = ui.DecoratePlan(text, color)
		}
		// Plan.String ends an empty plan without a newline; stdout must end
		// with one, or the shell prompt lands on the plan's last line.
		if !strings.HasSuffix(text, "\n") {
			text += "\n"
		}
		_, err := io.WriteString(a.stdout, text)
		return err
	default:
		return fmt.Errorf("--format %q: use text or json", format)
	}
}

// projectContainers lists the containers of the project the command line
// names, in one list call and with no inspect: all that ps and logs need.
// The project may come from a name alone (-p without a compose file).
func (a *app) projectContainers(ctx context.Context, s *session, services []string) (engine.Engine, []engine.Container, error) {
	p, err := a.projectOrName(ctx, services, true)
	if err != nil {
		return nil, nil, err
	}
	eng, err := s.engine(ctx)
	if err != nil {
		return nil, nil, err
	}
	all, err := eng.Containers(ctx, p.Name)
	if err != nil {
		return nil, nil, err
	}
	// What is left, printing, costs less than the writes.
	a.g.writes.Start()
	return eng, all, nil
}
