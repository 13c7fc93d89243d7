package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/reconcile"
	"github.com/berth-dev/berth/ui"
	"github.com/berth-dev/berth/watch"
)

type watchOptions struct {
	noUp  bool
	quiet bool
	prune bool
}

func newWatchCmd(a *app) *cobra.Command {
	var o watchOptions
	cmd := &cobra.Command{
		Use:   "watch [SERVICE...]",
		Short: "Watch the build context of services and rebuild, restart or sync containers when files change",
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runLocked(cmd, func(ctx context.Context, s *session) error {
				return a.watch(ctx, s, args, &o)
			})
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.noUp, "no-up", false, "Do not build & start services before watching")
	f.BoolVar(&o.quiet, "quiet", false, "Hide build output")
	// Accepted for compose's command lines: berth's rebuild tags the new
	// image over the old one and leaves pruning to the engine's own tools.
	f.BoolVar(&o.prune, "prune", true, "Prune dangling images on rebuild (accepted; berth does not prune)")
	return cmd
}

// watch brings the services up (unless --no-up), then carries out their
// develop.watch rules batch by batch until interrupted. A batch that fails
// is reported and the watch goes on: the next save is the user's retry.
func (a *app) watch(ctx context.Context, s *session, args []string, o *watchOptions) error {
	p, err := a.g.load(ctx, args, false, nil)
	if err != nil {
		return err
	}
	rules, err := watch.Rules(p, args)
	if err != nil {
		return err
	}
	act := &watchActions{a: a, s: s, p: p, quiet: o.quiet}
	if !o.noUp {
		if err := act.up(ctx, args, false); err != nil {
			return err
		}
	}
	eng, err := s.engine(ctx)
	if err != nil {
		return err
	}
	act.eng = eng
	say := func(msg string) { fmt.Fprintln(a.stderr, msg) }
	return watch.Notify(ctx, rules, watch.QuietPeriod, func() { say("Watch enabled") }, func(paths []string) {
		b := watch.Plan(rules, paths)
		if b.Empty() {
			return
		}
		if err := watch.Apply(ctx, b, act, say); err != nil && ctx.Err() == nil {
			say("berth watch: " + err.Error())
		}
	})
}

// watchActions carries out watch batches on the engine. Each action that
// changes the project takes the project lock for as long as it runs, so
// that an up or down in another terminal waits for it, not for the watch.
type watchActions struct {
	a     *app
	s     *session
	p     *types.Project
	eng   engine.Engine
	quiet bool
}

// up applies an up plan for services (all when none), building them when
// build is set, with the usual progress.
func (w *watchActions) up(ctx context.Context, services []string, build bool) error {
	f := &upFlags{build: build, noDeps: build}
	opts := reconcile.UpOptions{Services: services, Build: build, NoDeps: build}
	_, plan, _, err := w.a.planUpPulled(ctx, w.s, services, f, opts, false)
	if err == nil {
		err = w.a.execute(ctx, w.s.eng, plan)
	}
	return errors.Join(err, w.s.unlock())
}

func (w *watchActions) Rebuild(ctx context.Context, services []string) error {
	return w.up(ctx, services, true)
}

func (w *watchActions) Restart(ctx context.Context, services []string) error {
	eng, state, err := w.a.observe(ctx, w.s, w.p)
	if err == nil {
		err = w.a.execute(ctx, eng, reconcile.PlanRestart(w.p, state, services, nil))
	}
	return errors.Join(err, w.s.unlock())
}

// Sync copies the changed files into every running container of service
// in one archive each; files gone from the host are removed there.
func (w *watchActions) Sync(ctx context.Context, service string, files []watch.Mapping) error {
	archive, removed, err := watch.Archive(files)
	if err != nil {
		return err
	}
	containers, err := w.running(ctx, service)
	if err != nil {
		return err
	}
	for _, c := range containers {
		if err := w.eng.CopyToContainer(ctx, c.ID, "/", bytes.NewReader(archive), engine.CopyToOptions{}); err != nil {
			return fmt.Errorf("%s: %w", c.Name, err)
		}
		if len(removed) > 0 {
			if err := w.exec(ctx, c, append([]string{"rm", "-rf", "--"}, removed...), types.ServiceHook{}); err != nil {
				return fmt.Errorf("%s: remove %v: %w", c.Name, removed, err)
			}
		}
	}
	return nil
}

func (w *watchActions) Exec(ctx context.Context, service string, hook types.ServiceHook) error {
	containers, err := w.running(ctx, service)
	if err != nil {
		return err
	}
	for _, c := range containers {
		if err := w.exec(ctx, c, hook.Command, hook); err != nil {
			return fmt.Errorf("%s: %w", c.Name, err)
		}
	}
	return nil
}

// running lists the service's running containers, one-offs left out.
func (w *watchActions) running(ctx context.Context, service string) ([]engine.Container, error) {
	all, err := w.eng.Containers(ctx, w.p.Name)
	if err != nil {
		return nil, err
	}
	return ui.FilterPs(all, ui.PsFilter{Services: []string{service}, Statuses: []string{"running"}}), nil
}

// exec runs cmd in container c with the hook's user, directory and
// environment; output goes to berth's own streams, and a non-zero exit is
// an error.
func (w *watchActions) exec(ctx context.Context, c engine.Container, cmd []string, hook types.ServiceHook) error {
	var env []string
	for k, v := range hook.Environment {
		if v != nil {
			env = append(env, k+"="+*v)
		}
	}
	code, err := w.eng.Exec(ctx, c.ID, engine.ExecSpec{Cmd: cmd, Env: env, User: hook.User,
		WorkingDir: hook.WorkingDir, Privileged: hook.Privileged},
		engine.Streams{Stdout: w.a.stdout, Stderr: w.a.stderr})
	if err != nil {
		return err
	}
	if code != 0 {
		return fmt.Errorf("%v exited with code %d", cmd, code)
	}
	return nil
}
