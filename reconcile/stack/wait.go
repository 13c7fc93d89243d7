package stack

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	swarmtypes "github.com/moby/moby/api/types/swarm"

	"github.com/berth-dev/berth/engine/swarm"
)

// WaitEngine is what Wait reads.
type WaitEngine interface {
	Services(ctx context.Context, project string) ([]swarmtypes.Service, error)
	swarm.TaskReader
	swarm.LogReader
}

// WaitOptions tune Wait.
type WaitOptions struct {
	// Services are the compose names to wait for; empty is all.
	Services []string
	// Since is when the deploy began: only tasks created after it count
	// as failures.
	Since time.Time
	// Timeout bounds the wait; zero is no limit.
	Timeout time.Duration
	// Poll is the interval between looks; zero is one second.
	Poll time.Duration
	// Progress is told when a service converges.
	Progress func(Event)
	// Now is the clock; nil is time.Now.
	Now func() time.Time
}

// stable is how long a task must have been running to count: a task that
// crashes right after it started was running for a moment, and a swarm
// update's own monitor period defaults to the same 5s.
const stable = 5 * time.Second

// failedTasks is how many failed tasks since the deploy make a service
// fail the wait: the swarm retries a failing task for ever, so one
// failure may be a fluke but three in a row are not.
const failedTasks = 3

// logLines is how many of a failing service's last log lines an error
// carries.
const logLines = 10

// Wait waits until the services' tasks converge: every replica running
// (or, for jobs, completed) and no update in progress. It fails when an
// update paused or rolled back, when tasks keep failing, or at the
// timeout, naming the service, the failing task's error and the
// service's last log lines.
func Wait(ctx context.Context, e WaitEngine, project string, opts WaitOptions) error {
	if opts.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, opts.Timeout)
		defer cancel()
	}
	poll := opts.Poll
	if poll == 0 {
		poll = time.Second
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	done := map[string]bool{}
	for {
		services, err := e.Services(ctx, project)
		if err != nil {
			return err
		}
		var ids []string
		var waiting []swarmtypes.Service
		for _, s := range services {
			name := serviceName(project, s)
			if len(opts.Services) > 0 && !slices.Contains(opts.Services, name) {
				continue
			}
			ids = append(ids, s.ID)
			waiting = append(waiting, s)
		}
		tasks, err := e.Tasks(ctx, ids)
		if err != nil {
			return err
		}
		pending := 0
		for _, s := range waiting {
			name := serviceName(project, s)
			st := convergence(s, tasks, opts.Since, now())
			switch {
			case st.failed != "":
				return failure(ctx, e, s, name, st)
			case st.converged:
				if !done[name] && opts.Progress != nil {
					opts.Progress(Event{Kind: UpdateService, Name: s.Spec.Name, Status: StatusDone, Text: st.summary})
				}
				done[name] = true
			default:
				pending++
			}
		}
		if pending == 0 {
			return nil
		}
		if err := sleepCtx(ctx, poll); err != nil {
			if errors.Is(err, context.DeadlineExceeded) {
				return timedOut(context.WithoutCancel(ctx), e, project, waiting, tasks, opts)
			}
			return err
		}
	}
}

// status is where one service stands.
type status struct {
	converged bool
	summary   string
	// failed, when set, says why the service will not converge.
	failed string
	// lastErr is the error of the service's latest failed task.
	lastErr  string
	lastTask string
}

func convergence(s swarmtypes.Service, all []swarmtypes.Task, since, now time.Time) status {
	var st status
	var running, complete, desiredRunning, failed int
	var latest time.Time
	for _, t := range all {
		if t.ServiceID != s.ID {
			continue
		}
		switch {
		case t.DesiredState == swarmtypes.TaskStateRunning:
			desiredRunning++
			if t.Status.State == swarmtypes.TaskStateRunning && now.Sub(t.Status.Timestamp) >= stable {
				running++
			} else if t.Status.Err != "" && st.lastErr == "" {
				// A task the swarm cannot place says why, e.g. "no suitable
				// node (host-mode port already in use on 1 node)".
				st.lastErr = fmt.Sprintf("%s: %s", t.Status.State, t.Status.Err)
				st.lastTask = taskName(s, t)
			}
		case t.Status.State == swarmtypes.TaskStateComplete:
			complete++
		}
		if (t.Status.State == swarmtypes.TaskStateFailed || t.Status.State == swarmtypes.TaskStateRejected) && !t.CreatedAt.Before(since) {
			failed++
			if failed == 1 || !t.Status.Timestamp.Before(latest) {
				latest = t.Status.Timestamp
				st.lastErr = t.Status.Err
				if st.lastErr == "" {
					st.lastErr = t.Status.Message
				}
				st.lastTask = taskName(s, t)
			}
		}
	}
	if u := s.UpdateStatus; u != nil {
		switch u.State {
		case swarmtypes.UpdateStatePaused, swarmtypes.UpdateStateRollbackPaused, swarmtypes.UpdateStateRollbackCompleted:
			st.failed = fmt.Sprintf("update %s: %s", strings.ReplaceAll(string(u.State), "_", " "), u.Message)
			return st
		case swarmtypes.UpdateStateUpdating, swarmtypes.UpdateStateRollbackStarted:
			return st
		}
	}
	mode := s.Spec.Mode
	switch {
	case mode.Replicated != nil:
		want := uint64(1)
		if mode.Replicated.Replicas != nil {
			want = *mode.Replicated.Replicas
		}
		st.converged = uint64(running) == want && desiredRunning == running
		st.summary = fmt.Sprintf("%d/%d running", running, want)
	case mode.Global != nil:
		st.converged = desiredRunning > 0 && desiredRunning == running
		st.summary = fmt.Sprintf("%d/%d running", running, desiredRunning)
	case mode.ReplicatedJob != nil:
		want := uint64(1)
		if mode.ReplicatedJob.TotalCompletions != nil {
			want = *mode.ReplicatedJob.TotalCompletions
		}
		st.converged = uint64(complete) >= want
		st.summary = fmt.Sprintf("%d/%d completed", complete, want)
	case mode.GlobalJob != nil:
		st.converged = complete > 0 && desiredRunning == 0
		st.summary = fmt.Sprintf("%d completed", complete)
	}
	if !st.converged && failed >= failedTasks {
		st.failed = fmt.Sprintf("%d tasks failed since the deploy", failed)
	}
	return st
}

func taskName(s swarmtypes.Service, t swarmtypes.Task) string {
	if t.Slot > 0 {
		return fmt.Sprintf("%s.%d", s.Spec.Name, t.Slot)
	}
	return s.Spec.Name + "." + t.NodeID
}

func failure(ctx context.Context, e WaitEngine, s swarmtypes.Service, name string, st status) error {
	var b strings.Builder
	fmt.Fprintf(&b, "service %s did not converge: %s", name, st.failed)
	if st.lastErr != "" {
		fmt.Fprintf(&b, "\n  task %s: %s", st.lastTask, st.lastErr)
	}
	var logs bytes.Buffer
	lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := e.ServiceLogs(lctx, s.ID, swarm.LogOptions{Tail: fmt.Sprint(logLines)}, &logs, &logs); err == nil && logs.Len() > 0 {
		fmt.Fprintf(&b, "\n  last log lines:")
		for _, line := range strings.Split(strings.TrimRight(logs.String(), "\n"), "\n") {
			fmt.Fprintf(&b, "\n    %s", line)
		}
	}
	return errors.New(b.String())
}

func timedOut(ctx context.Context, e WaitEngine, project string, services []swarmtypes.Service, tasks []swarmtypes.Task, opts WaitOptions) error {
	for _, s := range services {
		st := convergence(s, tasks, opts.Since, time.Now())
		if st.converged {
			continue
		}
		st.failed = fmt.Sprintf("not converged after %s (%s)", opts.Timeout, st.summary)
		return failure(ctx, e, s, serviceName(project, s), st)
	}
	return fmt.Errorf("stack %s: not converged after %s", project, opts.Timeout)
}

// GoneEngine is what WaitGone reads and removes.
type GoneEngine interface {
	Networks(ctx context.Context, project string) ([]swarm.Network, error)
	swarm.TaskReader
	swarm.NodeContainers
}

// terminal reports whether a task has stopped for good.
func terminal(s swarmtypes.TaskState) bool {
	switch s {
	case swarmtypes.TaskStateComplete, swarmtypes.TaskStateShutdown, swarmtypes.TaskStateFailed,
		swarmtypes.TaskStateRejected, swarmtypes.TaskStateRemove, swarmtypes.TaskStateOrphaned:
		return true
	}
	return false
}

// WaitGone waits until the tasks of the removed services have stopped and
// the project's networks are gone from the node the client talks to, then
// removes the containers the stopped tasks left there. The manager
// removes a service at once, but its containers stop within their grace
// period and only then let go of the networks; the node's agent removes
// the containers of a service's tasks, but not those of a job's, which
// would stay for ever. ctx bounds the wait.
func WaitGone(ctx context.Context, e GoneEngine, project string, serviceIDs []string, poll time.Duration) error {
	if poll == 0 {
		poll = 500 * time.Millisecond
	}
	for {
		tasks, err := e.Tasks(ctx, serviceIDs)
		if err != nil {
			return err
		}
		live := slices.DeleteFunc(tasks, func(t swarmtypes.Task) bool { return terminal(t.Status.State) })
		nets, err := e.Networks(ctx, project)
		if err != nil {
			return err
		}
		running, stopped, err := e.Containers(ctx, project)
		if err != nil {
			return err
		}
		if len(live) == 0 && len(nets) == 0 && len(running) == 0 {
			var errs []error
			for _, id := range stopped {
				errs = append(errs, e.RemoveContainer(ctx, id))
			}
			return errors.Join(errs...)
		}
		if err := sleepCtx(ctx, poll); err != nil {
			return fmt.Errorf("stack %s: %d tasks, %d containers and %d networks still there: %w", project, len(live), len(running), len(nets), err)
		}
	}
}
