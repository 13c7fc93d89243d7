package reconcile

import (
	"fmt"
	"maps"
	"slices"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/berth-dev/berth/planner"
)

// PushImage sends a local image to its registry.
const PushImage Kind = "push"

// PullOptions are the choices of `berth pull`.
type PullOptions struct {
	Services []string // nil: all services
	// IncludeDeps also pulls what the named services depend on.
	IncludeDeps bool
	// Policy replaces every service's pull_policy: missing or always; ""
	// keeps each service's own, where no policy means always.
	Policy string
	// IgnoreBuildable skips services that have a build section.
	IgnoreBuildable bool
	// IgnoreFailures turns failed pulls into warnings.
	IgnoreFailures bool
}

// Skip is a selected service a pull or push leaves alone, and why, in
// compose's words ("Skipped - Image is already present locally").
type Skip struct {
	Service string
	Why     string
}

// PlanPull decides what `berth pull` fetches, as compose does: every
// selected service's image once, except where its pull_policy (or
// opts.Policy) says not to. A service with a build section whose pull
// fails is a warning: it can be built.
func PlanPull(p *types.Project, g *planner.Graph, s State, opts PullOptions) (Plan, []Skip, error) {
	if p == nil || g == nil {
		return Plan{}, nil, fmt.Errorf("plan pull: no project loaded")
	}
	switch opts.Policy {
	case "", types.PullPolicyMissing, types.PullPolicyIfNotPresent, types.PullPolicyAlways:
	default:
		return Plan{}, nil, fmt.Errorf("invalid --policy %q: use missing or always", opts.Policy)
	}
	selected, err := g.Select(opts.Services, opts.IncludeDeps)
	if err != nil {
		return Plan{}, nil, fmt.Errorf("plan pull: %w", err)
	}
	images := imagesByTag(s.Images)
	plan := Plan{Project: p.Name, env: newEnv(p)}
	var skips []Skip
	type want struct {
		services []string
		tolerate string
		platform string
	}
	wants := map[string]*want{}
	for _, name := range slices.Sorted(slices.Values(selected)) {
		svc := p.Services[name]
		policy := svc.PullPolicy
		if opts.Policy != "" {
			policy = opts.Policy
		}
		_, local := images[normalizeImage(svc.Image)]
		switch {
		case svc.Image == "":
			skips = append(skips, Skip{name, "Skipped - No image to be pulled"})
			continue
		case policy == types.PullPolicyNever || policy == types.PullPolicyBuild:
			skips = append(skips, Skip{name, "Skipped"})
			continue
		case (policy == types.PullPolicyMissing || policy == types.PullPolicyIfNotPresent) && local:
			skips = append(skips, Skip{name, "Skipped - Image is already present locally"})
			continue
		case svc.Build != nil && opts.IgnoreBuildable:
			skips = append(skips, Skip{name, "Skipped - Image can be built"})
			continue
		}
		w := wants[svc.Image]
		if w == nil {
			w = &want{platform: platform(p, svc)}
			wants[svc.Image] = w
		} else {
			skips = append(skips, Skip{name, "Skipped - Image is already being pulled by " + w.services[0]})
		}
		w.services = append(w.services, name)
		switch {
		case svc.Build != nil:
			w.tolerate = "pull failed, build it instead (berth up --build " + name + ")"
		case opts.IgnoreFailures && w.tolerate == "":
			w.tolerate = "pull failed (ignored)"
		}
	}
	for _, img := range slices.Sorted(maps.Keys(wants)) {
		w := wants[img]
		addAction(&plan, Action{
			Kind:    PullImage,
			Target:  Ref{Type: RefImage, Name: img},
			Reasons: []Reason{{Code: codeRequested, Detail: "berth pull (" + servicesText(w.services) + ")"}},
			op:      &op{image: img, pull: &pullOp{services: w.services, tolerate: w.tolerate, platform: w.platform}},
		})
	}
	return plan, skips, nil
}

// PushOptions are the choices of `berth push`.
type PushOptions struct {
	Services []string // nil: all services
	// IncludeDeps also pushes what the named services depend on.
	IncludeDeps bool
	// IgnoreFailures turns failed pushes into warnings.
	IgnoreFailures bool
}

// PlanPush decides what `berth push` sends, as compose does: the image
// and build.tags of every selected service that builds its image under a
// name; others are skipped. Each reference is pushed once.
func PlanPush(p *types.Project, g *planner.Graph, opts PushOptions) (Plan, []Skip, error) {
	if p == nil || g == nil {
		return Plan{}, nil, fmt.Errorf("plan push: no project loaded")
	}
	selected, err := g.Select(opts.Services, opts.IncludeDeps)
	if err != nil {
		return Plan{}, nil, fmt.Errorf("plan push: %w", err)
	}
	plan := Plan{Project: p.Name, env: newEnv(p)}
	var skips []Skip
	wants := map[string][]string{}
	for _, name := range slices.Sorted(slices.Values(selected)) {
		svc := p.Services[name]
		if svc.Build == nil || svc.Image == "" {
			skips = append(skips, Skip{name, "Skipped - No image to be pushed (push needs build and image)"})
			continue
		}
		for _, ref := range append([]string{svc.Image}, svc.Build.Tags...) {
			wants[ref] = append(wants[ref], name)
		}
	}
	tolerate := ""
	if opts.IgnoreFailures {
		tolerate = "push failed (ignored)"
	}
	for _, ref := range slices.Sorted(maps.Keys(wants)) {
		addAction(&plan, Action{
			Kind:    PushImage,
			Target:  Ref{Type: RefImage, Name: ref},
			Reasons: []Reason{{Code: codeRequested, Detail: "berth push (" + servicesText(wants[ref]) + ")"}},
			op:      &op{image: ref, pull: &pullOp{services: wants[ref], tolerate: tolerate}},
		})
	}
	return plan, skips, nil
}
