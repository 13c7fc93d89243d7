package reconcile

import (
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/compose-spec/compose-go/v2/types"
)

// BuildOptions are the flags of `berth build`.
type BuildOptions struct {
	// NoCache builds every step again.
	NoCache bool
	// Pull fetches a newer base image first.
	Pull bool
	// Args override the services' build args; a nil value leaves the
	// argument unset, as an argument given without a value and absent
	// from the environment is.
	Args map[string]*string
}

// PlanBuild plans `berth build`: one build per service of p that has a
// build section, whether its image exists or not, with the same specs up
// builds from. Services without one are skipped, as compose does; a build
// whose context or Dockerfile is missing is an error before anything runs.
// p holds the services to build (the loader narrows it to those named on
// the command line, with their dependencies or not).
func PlanBuild(p *types.Project, opts BuildOptions) (Plan, error) {
	if p == nil {
		return Plan{}, errors.New("plan build: no project loaded")
	}
	plan := Plan{Project: p.Name, env: newEnv(p)}
	var errs []error
	for _, name := range slices.Sorted(maps.Keys(p.Services)) {
		svc := p.Services[name]
		if svc.Build == nil {
			continue
		}
		if err := checkBuildContext(p, svc); err != nil {
			errs = append(errs, err)
			continue
		}
		img := imageName(p.Name, svc)
		spec := buildSpec(p, svc, img)
		spec.NoCache, spec.Pull = opts.NoCache, opts.Pull
		maps.Copy(spec.Args, opts.Args)
		addAction(&plan, Action{
			Kind:    BuildImage,
			Target:  Ref{Type: RefImage, Name: img, Service: name},
			Reasons: []Reason{{Code: codeBuildRequested, Detail: "berth build requested"}},
			op:      &op{build: &spec, image: img},
		})
	}
	if err := errors.Join(errs...); err != nil {
		return Plan{}, fmt.Errorf("plan build: %w", err)
	}
	return plan, nil
}
