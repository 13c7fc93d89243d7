package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/follow"
	"github.com/berth-dev/berth/reconcile"
	"github.com/berth-dev/berth/running"
)

// exitWaitFailed is compose's exit code when waiting itself failed.
const exitWaitFailed = 42

func newWaitCmd(a *app) *cobra.Command {
	var downProject bool
	cmd := &cobra.Command{
		Use:   "wait SERVICE [SERVICE...] [OPTIONS]",
		Short: "Block until containers of all (or specified) services stop.",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			// Waiting only reads; the session locks when --down-project
			// plans the down, after the wait.
			runFn := a.run
			if downProject {
				runFn = a.runLocked
			}
			return runFn(cmd, func(ctx context.Context, s *session) error {
				code, err := a.wait(ctx, s, args, downProject)
				if err != nil || code != 0 {
					return &exitError{code: code, err: err}
				}
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&downProject, "down-project", false, "Down the project (orphans included) once the containers have exited")
	return cmd
}

// wait blocks until the running containers of services exit, printing a
// line for each as compose does, and returns the exit code of the last to
// exit; 42 when the wait itself failed.
func (a *app) wait(ctx context.Context, s *session, services []string, downProject bool) (int, error) {
	p, err := a.projectOrName(ctx, services, true)
	if err != nil {
		return 1, err
	}
	eng, err := s.engine(ctx)
	if err != nil {
		return 1, err
	}
	all, err := eng.Containers(ctx, p.Name)
	if err != nil {
		return 1, err
	}
	cs := running.Waitable(all, services)
	if len(cs) == 0 {
		return 1, fmt.Errorf("no containers for project %q: the services are not running (berth ps -a shows them)", p.Name)
	}
	// Nothing is printed but the exits, and nothing is stopped: an
	// interrupt ends the wait at once.
	res, err := follow.Run(ctx, eng, nil, follow.Targets(cs, follow.Selection{}), follow.Options{
		Drain: time.Millisecond,
		Exited: func(e follow.Exit) {
			fmt.Fprintf(a.stdout, "container %q exited with status code %d\n", e.ID, e.Code)
		},
	})
	if err != nil {
		return exitWaitFailed, err
	}
	if res.Interrupted {
		return exitInterrupted, nil
	}
	// compose reports the last container to exit.
	code := res.Exits[len(res.Exits)-1].Code
	if !downProject {
		return code, nil
	}
	// compose downs the whole project, one-offs and orphans included.
	whole, err := a.projectOrName(ctx, nil, false)
	if err != nil {
		return 1, err
	}
	eng, state, err := a.observe(ctx, s, whole)
	if err != nil {
		return 1, err
	}
	plan, err := reconcile.PlanDown(whole, state, reconcile.DownOptions{RemoveOrphans: true})
	if err == nil {
		err = a.execute(ctx, eng, plan)
	}
	if err != nil {
		return 1, fmt.Errorf("down project %s after the wait: %w", whole.Name, err)
	}
	return code, nil
}
