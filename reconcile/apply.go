package reconcile

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/berth-dev/berth/engine"
)

// Event statuses.
const (
	StatusWaiting = "Waiting"
	StatusWorking = "Working"
	StatusDone    = "Done"
	StatusError   = "Error"
	// StatusWarning reports something that did not stop the plan, such as
	// an optional dependency that failed or a network left in use.
	StatusWarning = "Warning"
)

// Event reports progress on one action. Target is usually the action's
// target; while a start waits for a dependency, it is the dependency's
// container.
type Event struct {
	Action int
	Kind   Kind
	Target Ref
	Status string // StatusWaiting, StatusWorking, StatusDone, StatusError or StatusWarning
	Text   string // e.g. "Creating", "Created", "Started", "Healthy"
	Detail string // optional extra, e.g. a layer's bytes transferred
	Err    error
}

// ApplyOptions tune Apply.
type ApplyOptions struct {
	// Parallel bounds how many actions run at once; <= 0 is unlimited.
	Parallel int
	// Progress receives events; it may be nil and is called from several
	// goroutines at once.
	Progress func(Event)
	// Build receives image build output; nil discards it.
	Build io.Writer
	// StateDir is where Apply writes the content of environment: and
	// content: secrets and configs, in a private berth-<project> directory
	// that containers bind-mount read-only; "" is os.TempDir(). Applying a
	// down plan removes the project's directory.
	StateDir string
	// SubnetLock, when set, is held around each pick and create of a
	// network whose subnet comes from berth's pool (UpOptions.SubnetPool),
	// so that concurrent berths on one host do not all pick the same
	// subnet; nil picks without it, and overlaps are retried either way.
	SubnetLock func(ctx context.Context) (release func() error, err error)
	// PollInterval is how often a dependency's health is checked while a
	// start waits for it; zero means 500ms, as compose.
	PollInterval time.Duration
}

// Engine is what Apply drives.
type Engine interface {
	engine.ContainerRuntime
	engine.Inspector
	engine.NetworkManager
	engine.VolumeManager
	engine.ImageManager
	engine.ImageBuilder
	engine.Signaller
	engine.EndpointLister
	engine.ImagePuller
	engine.SubnetLister
}

// Apply executes plan: every action after the actions it comes after, at
// most opts.Parallel at once. On the first error nothing new starts, the
// running actions finish, and the errors are returned joined, each naming
// its target and, for a container, its service; a down's plan instead runs
// every action whatever failed before it (see planEnv.keepGoing). Apply
// never re-decides: it does what the plan says.
func Apply(ctx context.Context, plan Plan, eng Engine, opts ApplyOptions) error {
	if opts.PollInterval <= 0 {
		opts.PollInterval = 500 * time.Millisecond
	}
	if opts.Build == nil {
		opts.Build = io.Discard
	}
	env := plan.env
	if env == nil {
		env = &planEnv{ids: map[string]string{}, replicas: map[string][]string{}}
	}
	if err := checkExternals(ctx, eng, env); err != nil {
		return err
	}
	if err := checkServices(ctx, eng, env, plan.Actions); err != nil {
		return err
	}
	for i, a := range plan.Actions {
		for _, d := range a.After {
			if d < 0 || d >= i {
				return fmt.Errorf("apply: action #%d (%s %s) comes after #%d, which is not an earlier action; the plan is corrupt", i, a.Kind, a.Target.Name, d)
			}
		}
	}
	// Waits for dependencies stop on the first failure, so that a start
	// polling a healthcheck does not keep Apply from returning; engine
	// calls already under way keep ctx and finish.
	waitCtx, stopWaits := context.WithCancel(ctx)
	defer stopWaits()
	r := &runner{eng: eng, env: env, opts: opts, ids: newIDs(env.ids), waitCtx: waitCtx,
		stateDir: projectStateDir(opts.StateDir, plan.Project)}
	err := r.walk(ctx, plan.Actions, stopWaits)
	// The state directory goes once no container can use it: after a down
	// that succeeded, or whose only failures are networks dockerd keeps.
	if env.dropState && (err == nil || OnlyStranded(err)) {
		return errors.Join(err, removeStateDir(r.stateDir))
	}
	return err
}

// checkExternals makes sure the external networks and volumes the plan's
// containers use exist, before anything is created.
func checkExternals(ctx context.Context, eng Engine, env *planEnv) error {
	var errs []error
	for _, n := range env.externalNetworks {
		if _, err := eng.InspectNetwork(ctx, n); err != nil {
			if errors.Is(err, engine.ErrNotFound) {
				err = fmt.Errorf("external network %s not found: create it (docker network create %s) or remove `external: true` from the compose file: %w", n, n, err)
			}
			errs = append(errs, err)
		}
	}
	for _, v := range env.externalVolumes {
		if _, err := eng.InspectVolume(ctx, v); err != nil {
			if errors.Is(err, engine.ErrNotFound) {
				err = fmt.Errorf("external volume %s not found: create it (docker volume create %s) or remove `external: true` from the compose file: %w", v, v, err)
			}
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// runner executes one plan.
type runner struct {
	eng     Engine
	env     *planEnv
	opts    ApplyOptions
	ids     *idMap
	waitCtx context.Context
	// stateDir is the project's directory for inline secrets and configs.
	stateDir string
	// kept are the conditional actions that found nothing to do.
	kept kept
}

type result struct {
	index int
	err   error
}

// walk dispatches ready actions from this goroutine, outside the limited
// group, so that every one of the opts.Parallel slots runs an action.
func (r *runner) walk(ctx context.Context, actions []Action, stopWaits func()) error {
	n := len(actions)
	pending := make([]int, n)
	next := make([][]int, n)
	var ready []int
	for i, a := range actions {
		pending[i] = len(a.After)
		for _, d := range a.After {
			next[d] = append(next[d], i)
		}
		if pending[i] == 0 {
			ready = append(ready, i)
		}
	}
	var g errgroup.Group
	if r.opts.Parallel > 0 {
		g.SetLimit(r.opts.Parallel)
	}
	// Every action sends exactly one result, so n slots never block a sender.
	results := make(chan result, n)
	running := 0
	var errs []result
	// stopped is set once nothing new may start: on cancellation, and on
	// the first failure unless the plan keeps going.
	stopped := false
	for {
		for len(ready) > 0 && !stopped {
			if err := ctx.Err(); err != nil {
				errs = append(errs, result{index: n, err: fmt.Errorf("apply: %w", err)})
				stopped = true
				break
			}
			i := ready[0]
			ready = ready[1:]
			running++
			// Go blocks while the group is full; results stay buffered meanwhile.
			g.Go(func() error {
				results <- result{index: i, err: r.run(ctx, i, actions[i])}
				return nil
			})
		}
		if running == 0 {
			break
		}
		res := <-results
		running--
		if res.err != nil {
			if len(errs) == 0 {
				stopWaits()
			}
			errs = append(errs, res)
			if !r.env.keepGoing {
				stopped = true
				continue
			}
		}
		for _, j := range next[res.index] {
			pending[j]--
			if pending[j] == 0 {
				ready = append(ready, j)
			}
		}
		slices.Sort(ready)
	}
	_ = g.Wait()
	slices.SortFunc(errs, func(a, b result) int { return a.index - b.index })
	var out []error
	for _, e := range errs {
		// A wait cut short by the first failure is a consequence, not news.
		if !errors.Is(e.err, errAborted) {
			out = append(out, e.err)
		}
	}
	return errors.Join(out...)
}

func (r *runner) emit(i int, a Action, target Ref, status, text string, err error) {
	if r.opts.Progress != nil {
		r.opts.Progress(Event{Action: i, Kind: a.Kind, Target: target, Status: status, Text: text, Err: err})
	}
}

// run executes one action, reporting progress. The engine names its own
// operation and resource in its errors ("create container shop-web-1: …"),
// so run adds only what the engine cannot know; see [describe].
func (r *runner) run(ctx context.Context, i int, a Action) error {
	working, finished := verbs(a.Kind)
	if err := ctx.Err(); err != nil {
		return describe(a, fmt.Errorf("%s %s %s not started: %w", a.Kind, a.Target.Type, a.Target.Name, err))
	}
	o := a.op
	if o == nil {
		o = &op{}
	}
	// A conditional action says it is working only once it knows it acts
	// (see exec), so that a kept container never shows as "Recreating".
	if o.onlyIf == nil {
		r.emit(i, a, a.Target, StatusWorking, working, nil)
	}
	done, err := r.exec(ctx, i, a, o)
	if err != nil {
		err = describe(a, err)
		r.emit(i, a, a.Target, StatusError, "Error", err)
		return err
	}
	if done == "" {
		done = finished
	}
	r.emit(i, a, a.Target, StatusDone, done, nil)
	return nil
}

// describe adds to an action's error what only the plan knows: the compose
// service the action is for, and that a container was being replaced
// (recreate runs several engine calls, none of which knows why). It never
// repeats the operation: the engine, or the step of exec that failed,
// names that itself.
func describe(a Action, err error) error {
	switch {
	case a.Kind == Recreate:
		return fmt.Errorf("service %q: recreate %s: %w", a.Target.Service, a.Target.Name, err)
	case a.Target.Service != "":
		return fmt.Errorf("service %q: %w", a.Target.Service, err)
	}
	return err
}

// verbs returns the progress texts of a kind, while working and when done.
func verbs(k Kind) (working, done string) {
	switch k {
	case CreateNetwork, CreateVolume, CreateContainer:
		return "Creating", "Created"
	case BuildImage:
		return "Building", "Built"
	case PullImage:
		return "Pulling", "Pulled"
	case PushImage:
		return "Pushing", "Pushed"
	case Recreate:
		return "Recreating", "Recreated"
	case Start:
		return "Starting", "Started"
	case Stop:
		return "Stopping", "Stopped"
	case Restart:
		return "Restarting", "Restarted"
	case RemoveContainer, RemoveNetwork, RemoveVolume, RemoveImage:
		return "Removing", "Removed"
	case Kill:
		return "Killing", "Killed"
	case Pause:
		return "Pausing", "Paused"
	case Unpause:
		return "Unpausing", "Unpaused"
	case ConnectNetwork:
		return "Connecting", "Connected"
	case DisconnectNetwork:
		return "Disconnecting", "Disconnected"
	}
	return "Working", "Done"
}

// idMap tracks container IDs by name while a plan runs: observed ones,
// then those created or replaced by earlier actions.
type idMap struct {
	mu  sync.Mutex
	ids map[string]string
}

func newIDs(seed map[string]string) *idMap {
	m := &idMap{ids: make(map[string]string, len(seed))}
	for k, v := range seed {
		m.ids[k] = v
	}
	return m
}

func (m *idMap) get(name string) (string, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	id, ok := m.ids[name]
	return id, ok
}

func (m *idMap) set(name, id string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.ids[name] = id
}

func (m *idMap) drop(name string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.ids, name)
}
