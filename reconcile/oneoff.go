package reconcile

import (
	"context"
	"slices"
	"time"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/planner"
)

// LabelSlug is compose's label holding the random ID of a one-off
// container, whose first 12 digits end its name.
const LabelSlug = "com.docker.compose.slug"

// OneOff is the container `run` creates for a service: a container of the
// project that up, ps and down know as one-off, never as a replica.
type OneOff struct {
	// Service is the service with run's overrides applied (command,
	// environment, ports, ...).
	Service types.ServiceConfig
	// Slug is 64 random hex digits (compose's com.docker.compose.slug); the
	// caller draws it, so that planning stays deterministic.
	Slug string
	// UseAliases gives the container the service's network aliases, so
	// that other containers reach it by the service name (--use-aliases).
	UseAliases bool
	// AttachStdin prepares the container for an attached input (-i).
	AttachStdin bool
	// AutoRemove has the engine remove the container when it exits.
	AutoRemove bool
}

// Name is the one-off container's engine name: the service's
// container_name, else project-service-run-<first 12 of the slug>, as
// compose names it.
func (o OneOff) Name(project string) string {
	if o.Service.ContainerName != "" {
		return o.Service.ContainerName
	}
	slug := o.Slug
	if len(slug) > 12 {
		slug = slug[:12]
	}
	return project + "-" + o.Service.Name + "-run-" + slug
}

// oneOffSpec builds the one-off container's spec as compose's run does:
// the service's labels and hash like any container's, no container number,
// oneoff "True" and the slug, references to other services resolved against
// state. files are the service's secrets and configs, already resolved.
func oneOffSpec(p *types.Project, state State, o OneOff, imageID string, files []fileMount) (engine.ContainerSpec, error) {
	env := observedEnv(p, state)
	svc := o.Service
	svc.ContainerName = o.Name(p.Name)
	// A one-off runs once: compose drops the restart policy.
	svc.Restart = ""
	if svc.Deploy != nil {
		d := *svc.Deploy
		d.RestartPolicy = nil
		svc.Deploy = &d
	}
	spec, err := containerSpec(env, newIDs(env.ids), specInput{service: svc, name: svc.ContainerName, number: 1, imageID: imageID, files: files})
	if err != nil {
		return engine.ContainerSpec{}, err
	}
	delete(spec.Labels, engine.LabelNumber)
	spec.Labels[engine.LabelOneoff] = "True"
	spec.Labels[LabelSlug] = o.Slug
	if !o.UseAliases {
		for i := range spec.Networks {
			spec.Networks[i].Aliases = nil
		}
	}
	spec.AttachStdin = o.AttachStdin
	spec.AutoRemove = o.AutoRemove
	return spec, nil
}

// observedEnv is what resolving references needs from a snapshot: the
// project's containers by name, and each service's replicas in order.
func observedEnv(p *types.Project, state State) *planEnv {
	env := newEnv(p)
	byService := map[string][]engine.Container{}
	for _, c := range state.Containers {
		if !ours(c.Labels, p.Name) {
			continue
		}
		env.ids[c.Name] = c.ID
		if !isOneoff(c) {
			svc := c.Labels[engine.LabelService]
			byService[svc] = append(byService[svc], c)
		}
	}
	for svc, cs := range byService {
		slices.SortFunc(cs, compareContainers)
		env.replicas[svc] = containerNames(cs)
	}
	return env
}

// WaitDependencies blocks until the depends_on conditions of service hold
// (service_healthy, service_completed_successfully) in state, as the start
// of one of its replicas would: compose starts a one-off container only
// then. progress receives the waits' events, as Apply's; it may be nil.
func WaitDependencies(ctx context.Context, eng Engine, p *types.Project, g *planner.Graph, state State, service string, progress func(Event)) error {
	u := &upPlanner{p: p, g: g}
	waits := u.waits(service)
	if len(waits) == 0 {
		return nil
	}
	env := observedEnv(p, state)
	r := &runner{eng: eng, env: env, ids: newIDs(env.ids), waitCtx: ctx,
		opts: ApplyOptions{PollInterval: 500 * time.Millisecond, Progress: progress}}
	a := Action{Kind: Start, Target: Ref{Type: RefContainer, Service: service}, op: &op{waits: waits}}
	return r.waitDeps(ctx, 0, a, a.op)
}

// OneOffEngine is what creating a one-off container needs.
type OneOffEngine interface {
	InspectImage(ctx context.Context, ref string) (engine.Image, error)
	CreateContainer(ctx context.Context, spec engine.ContainerSpec) (string, error)
}

// CreateOneOff creates o's container and returns its ID and name. The
// image must exist (up's planning of the service builds it); the service's
// secret and config files are written under stateDir first, as Apply does.
func CreateOneOff(ctx context.Context, eng OneOffEngine, p *types.Project, state State, o OneOff, stateDir string) (id, name string, err error) {
	img, err := eng.InspectImage(ctx, imageName(p.Name, o.Service))
	if err != nil {
		return "", "", err
	}
	dir := projectStateDir(stateDir, p.Name)
	files, err := fileMounts(p, o.Service, dir)
	if err != nil {
		return "", "", err
	}
	if _, err := writeFileMounts(dir, files); err != nil {
		return "", "", err
	}
	spec, err := oneOffSpec(p, state, o, img.ID, files)
	if err != nil {
		return "", "", err
	}
	id, err = eng.CreateContainer(ctx, spec)
	return id, spec.Name, err
}
