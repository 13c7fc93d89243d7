package main

import (
	"context"
	"errors"
	"sync"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/planner"
	"github.com/berth-dev/berth/reconcile"
	"github.com/berth-dev/berth/ui"
)

// exitPullFailure is compose's exit code for an image that could not be
// pulled (its PullFailure category).
const exitPullFailure = 18

// isPullFailure reports whether err comes from a pull a registry refused
// or could not serve.
func isPullFailure(err error) bool {
	var pe *engine.PullError
	return errors.As(err, &pe) && pe.Op == "pull"
}

// bindPullFlags adds up's and create's --pull and --quiet-pull.
func bindPullFlags(cmd *cobra.Command, f *upFlags) {
	fl := cmd.Flags()
	fl.StringVar(&f.pull, "pull", "policy", `Pull image before running ("always"|"missing"|"never"|"build")`)
	fl.BoolVar(&f.quietPull, "quiet-pull", false, "Pull without printing progress information")
}

// planUpPulled is planUp for a command that applies the plan: the plan's
// pulls run first, and the rest is planned again from what they brought,
// so that an image a pull changed recreates the containers of the old one
// (Plan.Pulls). A failed pull leaves nothing created; the early stops are
// undone. Under --dry-run nothing is pulled and the whole plan is shown.
func (a *app) planUpPulled(ctx context.Context, s *session, args []string, f *upFlags, opts reconcile.UpOptions, stopEarly bool) (*types.Project, reconcile.Plan, *reconcile.EarlyStops, error) {
	p, plan, early, err := a.planUp(ctx, s, args, f, opts, stopEarly)
	if err != nil || a.g.dryRun {
		return p, plan, early, err
	}
	pulls := plan.Pulls()
	if pulls.Empty() {
		return p, plan, early, nil
	}
	eng, err := s.engine(ctx)
	if err != nil {
		return nil, reconcile.Plan{}, nil, err
	}
	fail := func(err error) (*types.Project, reconcile.Plan, *reconcile.EarlyStops, error) {
		return nil, reconcile.Plan{}, nil, errors.Join(err, early.Restore(context.WithoutCancel(ctx), eng))
	}
	if _, err := a.transfer(ctx, eng, pulls, "Pulling", transferView{quietLayers: f.quietPull}, nil); err != nil {
		return fail(err)
	}
	g, err := planner.Build(p)
	if err != nil {
		return fail(err)
	}
	state, err := reconcile.Observe(ctx, eng, p.Name)
	if err != nil {
		return fail(err)
	}
	opts.Pulled, opts.Now, opts.Early = true, a.now(), early
	plan, err = reconcile.PlanUp(p, g, state, opts)
	if err != nil {
		return fail(err)
	}
	return p, plan, early, nil
}

// transferView is how a pull or push shows its progress.
type transferView struct {
	quiet       bool // nothing at all: pull -q, push -q
	quietLayers bool // the images but not their layers: --quiet-pull
}

// transfer applies a plan of pulls or pushes with progress, after a line
// for each service skipped, and returns the images whose failure was
// tolerated (shown as warnings).
func (a *app) transfer(ctx context.Context, eng reconcile.Engine, plan reconcile.Plan, title string, view transferView, skips []reconcile.Skip) ([]string, error) {
	prog, err := a.transferProgress(title, view.quiet)
	if err != nil {
		return nil, err
	}
	for _, s := range skips {
		prog.Event(ui.Event{ID: "Service " + s.Service, Status: ui.StatusDone, Text: s.Why})
	}
	var mu sync.Mutex
	var tolerated []string
	err = reconcile.Apply(ctx, plan, eng, reconcile.ApplyOptions{
		Parallel: a.g.parallel,
		Progress: func(e reconcile.Event) {
			if e.Target.Type == reconcile.RefLayer && view.quietLayers {
				return
			}
			if e.Status == reconcile.StatusWarning && e.Target.Type == reconcile.RefImage {
				mu.Lock()
				tolerated = append(tolerated, e.Target.Name)
				mu.Unlock()
			}
			prog.Event(transferEvent(e))
		},
		StateDir: runtimeDir(a.g.environ),
	})
	if ctx.Err() != nil {
		prog.Interrupt()
	}
	prog.Close()
	return tolerated, err
}

// transferProgress is newProgress with its own title, or a silent one.
func (a *app) transferProgress(title string, quiet bool) (ui.Progress, error) {
	if quiet {
		return ui.NewProgress(a.stderr, ui.ProgressOptions{Mode: ui.ProgressQuiet}), nil
	}
	tty := ui.IsTerminal(a.stderr)
	mode, err := ui.ResolveProgress(a.g.progress, a.g.ansi, tty)
	if err != nil {
		return nil, err
	}
	color, err := ui.UseColor(a.g.ansi, tty, a.g.environ)
	if err != nil {
		return nil, err
	}
	return ui.NewProgress(a.stderr, ui.ProgressOptions{Mode: mode, Color: color, Title: title, Width: ui.TerminalWidth(a.stderr)}), nil
}

// transferEvent shows layers by their ID alone, indented under their
// image, as docker does.
func transferEvent(e reconcile.Event) ui.Event {
	ev := progressEvent(e)
	if e.Target.Type == reconcile.RefLayer {
		ev.ID = "  " + e.Target.Name
	}
	return ev
}

// loadSelected loads the project and its graph for pull and push.
func (a *app) loadSelected(ctx context.Context, args []string, noDeps bool) (*types.Project, *planner.Graph, error) {
	p, err := a.g.load(ctx, args, noDeps, nil)
	if err != nil {
		return nil, nil, err
	}
	g, err := planner.Build(p)
	if err != nil {
		return nil, nil, err
	}
	return p, g, nil
}
