package reconcile

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/berth-dev/berth/engine"
)

// PullImage fetches an image from its registry. Every other action of an
// up plan comes after the plan's pulls, so an image that cannot be had
// fails the plan before anything is created.
const PullImage Kind = "pull"

// Reason codes of pulls, and of builds that pull_policy asks for.
const (
	codePullPolicy = "pull-policy" // pull_policy (or --pull) says to pull, or to build
	codeRefreshDue = "refresh-due" // daily, weekly or every_<duration> has elapsed
)

// Pull values --pull takes, as compose: they replace every service's
// pull_policy for one command.
var pullFlagValues = []string{types.PullPolicyAlways, types.PullPolicyMissing, types.PullPolicyNever, types.PullPolicyBuild}

// CheckPullFlag rejects a --pull value compose would reject; "" and
// "policy" keep each service's own pull_policy.
func CheckPullFlag(v string) error {
	if v == "" || v == "policy" || slices.Contains(pullFlagValues, v) {
		return nil
	}
	return fmt.Errorf("invalid --pull option %q: use %s, or policy to follow each service's pull_policy", v, strings.Join(pullFlagValues, ", "))
}

// pullDecision is what a service's image needs before its containers can
// be created.
type pullDecision struct {
	pull bool
	// backed marks a pull whose failure is not fatal: the service has a
	// build section, so a missing image is built instead, as compose does.
	backed bool
	// build forces a build (pull_policy: build, or --build).
	build  bool
	reason Reason
}

// policy resolves the pull policy of svc: --pull over pull_policy, and
// --build turns a buildable service's into build, as compose does.
func (u *upPlanner) policy(svc types.ServiceConfig) (string, time.Duration, error) {
	if u.opts.Build && svc.Build != nil {
		return types.PullPolicyBuild, 0, nil
	}
	if p := u.opts.Pull; p != "" && p != "policy" {
		return p, 0, nil
	}
	p, every, err := svc.GetPullPolicy()
	if err != nil {
		return "", 0, fmt.Errorf("service %q: pull_policy %q: %w: use always, missing, never, build, daily, weekly or every_<duration> (e.g. every_12h)", svc.Name, svc.PullPolicy, err)
	}
	return p, every, nil
}

// decidePull is the one decider of pulls. have is the local image when
// there is one. A service that must run from an image that is absent and
// may not be pulled is an error naming it.
func (u *upPlanner) decidePull(svc types.ServiceConfig, img string, have engine.Image, local bool) (pullDecision, error) {
	policy, every, err := u.policy(svc)
	if err != nil {
		return pullDecision{}, err
	}
	buildable := svc.Build != nil
	// With --no-build a failed pull is not made good by a build.
	backed := buildable && !u.opts.NoBuild
	source := "pull_policy: " + policy
	if u.opts.Pull != "" && u.opts.Pull != "policy" {
		source = "--pull " + policy
	}
	switch policy {
	case types.PullPolicyBuild:
		if buildable {
			return pullDecision{build: true, reason: Reason{Code: codePullPolicy, Detail: source}}, nil
		}
		// Nothing to build from: the image must already be here.
		fallthrough
	case types.PullPolicyNever:
		if local || buildable {
			return pullDecision{}, nil
		}
		return pullDecision{}, fmt.Errorf("service %q: image %q not found locally and %s forbids pulling it: pull it (berth pull --policy always %s), load it (docker load), or change the policy",
			svc.Name, img, source, svc.Name)
	case types.PullPolicyAlways:
		return pullDecision{pull: !u.opts.Pulled, backed: backed, reason: Reason{Code: codePullPolicy, Detail: source}}, nil
	case types.PullPolicyRefresh:
		if u.opts.Pulled {
			return pullDecision{}, nil
		}
		if !local {
			return pullDecision{pull: true, backed: backed, reason: Reason{Code: codeMissing, Detail: "image " + img + " not found locally"}}, nil
		}
		if due := have.LastTagTime.Add(every); u.opts.Now.IsZero() || u.opts.Now.After(due) {
			return pullDecision{pull: true, backed: backed, reason: Reason{Code: codeRefreshDue,
				Detail: fmt.Sprintf("%s: last pulled %s", source, lastPulled(have.LastTagTime))}}, nil
		}
		return pullDecision{}, nil
	}
	// missing, if_not_present and no policy: a buildable image is built
	// (see planBuilds) rather than looked for in a registry.
	if local || buildable || u.opts.Pulled {
		return pullDecision{}, nil
	}
	return pullDecision{pull: true, reason: Reason{Code: codeMissing, Detail: "image " + img + " not found locally"}}, nil
}

func lastPulled(t time.Time) string {
	if t.IsZero() {
		return "never (no tag time recorded)"
	}
	return t.UTC().Format(time.RFC3339)
}

// planPulls plans one pull per distinct image that a selected service
// needs pulled, before any other action. Services sharing an image share
// its pull. A failure of one service's decision is joined with the
// others', sorted by service, so that every image that cannot be had is
// named at once.
func (u *upPlanner) planPulls(selected []string) error {
	type want struct {
		services []string
		backed   bool // every service wanting it can build it instead
		reason   Reason
		platform string
	}
	wants := map[string]*want{}
	var errs []error
	for _, name := range slices.Sorted(slices.Values(selected)) {
		svc := u.p.Services[name]
		if svc.GetScale() == 0 {
			continue
		}
		img := imageName(u.p.Name, svc)
		have, local := u.images[normalizeImage(img)]
		d, err := u.decidePull(svc, img, have, local)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		u.pullBuild[name] = d
		if !d.pull {
			continue
		}
		w := wants[img]
		if w == nil {
			w = &want{backed: true, reason: d.reason, platform: platform(u.p, svc)}
			wants[img] = w
		}
		w.services = append(w.services, name)
		w.backed = w.backed && d.backed
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	for _, img := range slices.Sorted(maps.Keys(wants)) {
		w := wants[img]
		why := w.reason
		why.Detail += " (" + servicesText(w.services) + ")"
		u.pulls[img] = u.add(Action{
			Kind:    PullImage,
			Target:  Ref{Type: RefImage, Name: img},
			Reasons: []Reason{why},
			op:      &op{image: img, pull: pullOpFor(w.services, w.backed, w.platform)},
		})
	}
	return nil
}

// afterPulls makes every action that waits for nothing wait for the
// plan's pulls, so that nothing is created before every image is here.
func (u *upPlanner) afterPulls() {
	if len(u.pulls) == 0 {
		return
	}
	all := slices.Sorted(maps.Values(u.pulls))
	for i := range u.plan.Actions {
		a := &u.plan.Actions[i]
		if a.Kind != PullImage && len(a.After) == 0 {
			a.After = slices.Clone(all)
		}
	}
}

// pullOp is a pull's or push's payload.
type pullOp struct {
	services []string
	// platform is the first wanting service's platform (or
	// DOCKER_DEFAULT_PLATFORM), for a multi-platform image.
	platform string
	// tolerate, when set, makes a failure a warning with this text: the
	// image can be built instead, or failures are to be ignored.
	tolerate string
}

// platform is the platform a service's image is pulled for, as compose
// picks it: the service's platform, else DOCKER_DEFAULT_PLATFORM.
func platform(p *types.Project, svc types.ServiceConfig) string {
	if svc.Platform != "" {
		return svc.Platform
	}
	return p.Environment["DOCKER_DEFAULT_PLATFORM"]
}

func servicesText(names []string) string {
	if len(names) == 1 {
		return "service " + names[0]
	}
	return "services " + strings.Join(names, ", ")
}

// quotedServices names services in an error: service "a", services "a", "b".
func quotedServices(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	if len(q) == 1 {
		return "service " + q[0]
	}
	return "services " + strings.Join(q, ", ")
}

func pullOpFor(services []string, backed bool, platform string) *pullOp {
	p := &pullOp{services: services, platform: platform}
	if backed {
		p.tolerate = "pull failed, building instead"
	}
	return p
}

// transfer executes a pull or push action, reporting each layer's
// progress. A failure the action tolerates is a warning: for an up, the
// build that follows makes the image.
func (r *runner) transfer(ctx context.Context, i int, a Action, o *op) (string, error) {
	p := o.pull
	if p == nil {
		p = &pullOp{}
	}
	progress := func(ev engine.PullEvent) {
		if r.opts.Progress == nil || ev.Layer == "" {
			return
		}
		status := StatusWorking
		if ev.Done {
			status = StatusDone
		}
		r.opts.Progress(Event{Action: i, Kind: a.Kind, Target: Ref{Type: RefLayer, Name: ev.Layer},
			Status: status, Text: ev.Status, Detail: transferred(ev)})
	}
	var err error
	if a.Kind == PushImage {
		err = r.eng.PushImage(ctx, o.image, progress)
	} else {
		err = r.eng.PullImage(ctx, o.image, engine.PullOptions{Platform: p.platform, Progress: progress})
	}
	if err == nil {
		return "", nil
	}
	if ctx.Err() == nil && p.tolerate != "" {
		r.emit(i, a, a.Target, StatusWarning, p.tolerate, err)
		return "Skipped", nil
	}
	if a.Kind == PushImage && errors.Is(err, engine.ErrNotFound) {
		return "", fmt.Errorf("%s: %w; build it first (berth build %s)", quotedServices(p.services), err, strings.Join(p.services, " "))
	}
	if a.Kind == PushImage {
		return "", fmt.Errorf("%s: %w; check that the registry is reachable, and run docker login if it needs credentials", quotedServices(p.services), err)
	}
	return "", fmt.Errorf("%s: %w; %s", quotedServices(p.services), err, pullHint(err))
}

// pullHint says what to do about a failed pull of an image nothing builds.
func pullHint(err error) string {
	if errors.Is(err, engine.ErrNotFound) {
		return "check the image name and tag in the compose file, or push the image to its registry"
	}
	return "check that the registry is reachable, and run docker login if it needs credentials"
}

// RefLayer names one layer of an image in a pull's progress events.
const RefLayer = "layer"

// transferred renders a layer's byte count as docker does: "1.2MB/3.4MB".
func transferred(ev engine.PullEvent) string {
	if ev.Total <= 0 || ev.Done {
		return ""
	}
	return humanBytes(ev.Current) + "/" + humanBytes(ev.Total)
}

func humanBytes(n int64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%dB", n)
	}
	f, suffix := float64(n), "kB"
	for _, s := range []string{"kB", "MB", "GB", "TB"} {
		f /= unit
		suffix = s
		if f < unit {
			break
		}
	}
	return fmt.Sprintf("%.1f%s", f, suffix)
}

// Pulls returns the plan's pulls as a plan of their own, for a caller
// that pulls first, then observes again and plans the rest with
// UpOptions.Pulled: a pull that changes an image the plan did not know
// of must recreate the containers running the old one, and only a plan
// made after the pull can say so.
func (p Plan) Pulls() Plan {
	out := Plan{Project: p.Project, env: p.env}
	for _, a := range p.Actions {
		if a.Kind == PullImage {
			a.After = nil
			out.Actions = append(out.Actions, a)
		}
	}
	return out
}

// ImageInspector resolves one local image, tag time included.
type ImageInspector interface {
	InspectImage(ctx context.Context, ref string) (engine.Image, error)
}

// observeTagTimes adds to s the LastTagTime of the local images that
// services with a daily, weekly or every_<duration> pull_policy use, which
// the list call behind Observe does not report. Only such services cost
// an inspect, so a project without them observes as fast as before.
func observeTagTimes(ctx context.Context, insp ImageInspector, p *types.Project, s *State) error {
	for _, name := range p.ServiceNames() {
		svc := p.Services[name]
		if policy, _, err := svc.GetPullPolicy(); err != nil || policy != types.PullPolicyRefresh {
			continue
		}
		want := normalizeImage(imageName(p.Name, svc))
		for i, img := range s.Images {
			if !slices.ContainsFunc(img.Tags, func(t string) bool { return normalizeImage(t) == want }) || !img.LastTagTime.IsZero() {
				continue
			}
			got, err := insp.InspectImage(ctx, want)
			if errors.Is(err, engine.ErrNotFound) {
				break
			}
			if err != nil {
				return err
			}
			s.Images[i].LastTagTime = got.LastTagTime
			break
		}
	}
	return nil
}
