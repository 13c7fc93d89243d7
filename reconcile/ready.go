package reconcile

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/readiness"
)

// WaitOptions tune Wait.
type WaitOptions struct {
	// Services limits the wait to these services; nil waits for every
	// service of the project.
	Services []string
	// PollInterval is how often each container is inspected; zero means
	// 500ms, as compose polls.
	PollInterval time.Duration
	// Timeout bounds the wait (up --wait-timeout); zero waits until ctx
	// ends. When it passes, the error names every container still not
	// ready, as compose's "application not healthy after …" does not.
	Timeout time.Duration
	// Progress receives one "Waiting" event per container, then its final
	// one; it may be nil. Wait's events carry no Kind, and Action is the
	// container's position in the wait.
	Progress func(Event)
	// WaitFor replaces the x-berth-wait of the services it names (up
	// --wait-for); see package readiness.
	WaitFor map[string]readiness.Spec
}

// ReadyEngine is what Wait needs: inspections, logs to explain a failure,
// and exec for x-berth-wait commands.
type ReadyEngine interface {
	engine.Inspector
	engine.LogStreamer
	engine.Executor
}

// Wait is `up --wait`: it returns once every container of the selected
// services in s is running (and healthy, when it has a healthcheck) or has
// exited 0 with no restart policy that would start it again (a one-shot
// init container, which compose's --wait rejects, docker/compose#10596).
// A service with readiness conditions (x-berth-wait, or opts.WaitFor) must
// also meet them, healthcheck or not, within its own timeout if it has one.
// It fails as soon as one exits with another code or turns unhealthy, and
// when opts.Timeout passes first; it returns ctx's error when ctx ends
// first. s is a snapshot taken after Apply; only the containers of p's
// project are waited for, one-off containers and orphans never.
//
// A failure names each container at fault with its state or exit code,
// its last health probe output and its last log lines, so that nobody has
// to run docker inspect and docker logs to learn why.
//
// The containers are inspected in turn from this goroutine, once per
// PollInterval, so that the first failure among them ends the wait
// whichever container it is.
func Wait(ctx context.Context, eng ReadyEngine, p *types.Project, s State, opts WaitOptions) error {
	if p == nil {
		return errors.New("wait: no project loaded")
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = 500 * time.Millisecond
	}
	specs, err := readiness.ForProject(p, opts.WaitFor)
	if err != nil {
		return err
	}
	waitCtx := ctx
	if opts.Timeout > 0 {
		var cancel context.CancelFunc
		waitCtx, cancel = context.WithTimeout(ctx, opts.Timeout)
		defer cancel()
	}
	pending := waitTargets(p, s, opts.Services)
	probes := newProbes(pending, specs, time.Now())
	emit := func(i int, ref Ref, status, text string, err error) {
		if opts.Progress != nil {
			opts.Progress(Event{Action: i, Target: ref, Status: status, Text: text, Err: err})
		}
	}
	index := map[string]int{}
	for i, ref := range pending {
		index[ref.Name] = i
		emit(i, ref, StatusWorking, "Waiting", nil)
	}
	last := map[string]engine.Container{} // the latest inspection of each pending container
	t := time.NewTicker(opts.PollInterval)
	defer t.Stop()
	for len(pending) > 0 {
		var waiting []Ref
		var errs []error
		for _, ref := range pending {
			i := index[ref.Name]
			c, err := eng.InspectContainer(waitCtx, ref.ID)
			var done string
			switch {
			case err == nil:
				last[ref.Name] = c
				if done, err = judge(waitCtx, eng, c, false); err != nil {
					emit(i, ref, StatusError, "Error", fmt.Errorf("container %s %w", ref.Name, err))
					errs = append(errs, failure(ctx, eng, ref, c, err.Error()))
					continue
				}
				if done == "Exited" && restartsOnSuccess(p, ref.Service) {
					// The engine starts it again: it is ready once it runs.
					done = ""
				}
				var what string
				var details []string
				if done, what, details = probes.judge(waitCtx, eng, ref, c, done); what != "" {
					emit(i, ref, StatusError, "Error", fmt.Errorf("container %s %s", ref.Name, what))
					errs = append(errs, failure(ctx, eng, ref, c, what, details...))
					continue
				}
			case waitCtx.Err() == nil:
				err = fmt.Errorf("service %q: %w", ref.Service, err)
				emit(i, ref, StatusError, "Error", err)
				errs = append(errs, err)
				continue
			}
			switch {
			case waitCtx.Err() != nil:
				return timedOut(ctx, eng, waitCtx, pending, last, probes, opts.Timeout)
			case done != "":
				emit(i, ref, StatusDone, done, nil)
			default:
				waiting = append(waiting, ref)
			}
		}
		if len(errs) > 0 {
			return errors.Join(errs...)
		}
		if pending = waiting; len(pending) == 0 {
			return nil
		}
		select {
		case <-waitCtx.Done():
			return timedOut(ctx, eng, waitCtx, pending, last, probes, opts.Timeout)
		case <-t.C:
		}
	}
	return nil
}

// timedOut is Wait's error once waitCtx ended: ctx's own error when the
// caller cancelled, otherwise the list of containers not ready in time.
func timedOut(ctx context.Context, eng ReadyEngine, waitCtx context.Context, pending []Ref, last map[string]engine.Container, probes probes, timeout time.Duration) error {
	if ctx.Err() != nil || !errors.Is(waitCtx.Err(), context.DeadlineExceeded) {
		return cmp.Or(ctx.Err(), waitCtx.Err())
	}
	errs := []error{fmt.Errorf("application not healthy after %s", timeout)}
	for _, ref := range pending {
		c, ok := last[ref.Name]
		state := "was never inspected"
		if ok {
			state = "is still " + describeState(c)
		}
		errs = append(errs, failure(ctx, eng, ref, c, state, probes.report(ref)...))
	}
	return errors.Join(errs...)
}

// describeState says how far a container got: "starting (health:
// starting)", "running", "restarting".
func describeState(c engine.Container) string {
	if c.Health != "" {
		return fmt.Sprintf("%s (health: %s)", c.State, c.Health)
	}
	return c.State
}

// failure explains why one container is not ready: what happened, details
// (its unmet readiness conditions), its last health probe when it has a
// healthcheck (unless what already quotes it) and its last log lines. The diagnostics are gathered even after ctx
// ended, briefly, since they are the point of the message.
func failure(ctx context.Context, eng ReadyEngine, ref Ref, c engine.Container, what string, details ...string) error {
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), diagnosticsTimeout)
	defer cancel()
	var b strings.Builder
	fmt.Fprintf(&b, "service %q: container %s %s", ref.Service, ref.Name, indentRest(what))
	for _, d := range details {
		fmt.Fprintf(&b, "\n  %s", indentRest(d))
	}
	if c.Health != "" && c.Health != "unhealthy" {
		fmt.Fprintf(&b, "\n  last health probe: %s", indentRest(lastProbe(dctx, eng, ref.ID)))
	}
	var out bytes.Buffer
	if err := eng.Logs(dctx, ref.ID, engine.LogOptions{Tail: strconv.Itoa(logLines)}, &out, &out); err != nil {
		fmt.Fprintf(&b, "\n  logs unavailable: %v", err)
	} else if text := strings.TrimRight(out.String(), "\n"); text != "" {
		fmt.Fprintf(&b, "\n  last log lines:")
		for _, l := range strings.Split(text, "\n") {
			fmt.Fprintf(&b, "\n    %s", l)
		}
	} else {
		b.WriteString("\n  no log output")
	}
	return errors.New(b.String())
}

// logLines is how much of a failed container's log a wait error quotes:
// enough for a stack trace's head or a startup error, short enough to read.
const logLines = 10

// diagnosticsTimeout bounds the calls that explain a failure.
const diagnosticsTimeout = 5 * time.Second

// indentRest indents every line of text but the first, so that multi-line
// probe output stays under the line it belongs to.
func indentRest(text string) string {
	return strings.ReplaceAll(strings.TrimRight(text, "\n"), "\n", "\n    ")
}

// restartsOnSuccess reports whether the engine starts service's containers
// again after they exit 0: restart always or unless-stopped, or deploy's
// restart_policy condition any.
func restartsOnSuccess(p *types.Project, service string) bool {
	s, ok := p.Services[service]
	if !ok {
		return false
	}
	if s.Deploy != nil && s.Deploy.RestartPolicy != nil {
		// As engine/docker maps it: an empty condition is no policy.
		s.Restart = s.Deploy.RestartPolicy.Condition
	}
	switch s.Restart {
	case types.RestartPolicyAlways, types.RestartPolicyUnlessStopped, "any":
		return true
	}
	return false
}

// waitTargets lists the containers Wait watches, by service, then number.
func waitTargets(p *types.Project, s State, services []string) []Ref {
	if services == nil {
		services = p.ServiceNames()
	}
	var out []engine.Container
	for _, c := range s.Containers {
		if ours(c.Labels, p.Name) && !isOneoff(c) && slices.Contains(services, c.Labels[engine.LabelService]) {
			if _, ok := p.Services[c.Labels[engine.LabelService]]; ok {
				out = append(out, c)
			}
		}
	}
	slices.SortFunc(out, func(a, b engine.Container) int {
		return cmp.Or(cmp.Compare(a.Labels[engine.LabelService], b.Labels[engine.LabelService]), compareContainers(a, b))
	})
	refs := make([]Ref, len(out))
	for i, c := range out {
		refs[i] = containerRef(c)
	}
	return refs
}
