package reconcile

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/internal/subnet"
	"github.com/berth-dev/berth/planner"
)

// UpOptions are the choices `berth up` passes to PlanUp. The zero value
// converges every service: create what is missing, recreate what diverged,
// start what is stopped.
type UpOptions struct {
	Services []string // nil: all services
	// NoDeps plans only the named services, not what they depend on.
	NoDeps bool
	// ForceRecreate recreates the named services' containers even when up to date.
	ForceRecreate bool
	// NoRecreate keeps existing containers even when they diverged.
	NoRecreate bool
	// NoStart creates containers without starting them.
	NoStart bool
	// RemoveOrphans removes containers of services no longer in the project.
	RemoveOrphans bool
	// RenewAnonVolumes gives recreated containers new anonymous volumes
	// instead of the old container's.
	RenewAnonVolumes bool
	// Build rebuilds every selected service that has a build section.
	Build bool
	// NoBuild never builds: a service whose image would have to be built
	// is an error instead.
	NoBuild bool
	// Pull replaces every service's pull_policy, as `up --pull`: always,
	// missing, never or build; "" or "policy" keeps each service's own.
	Pull string
	// Pulled says the plan's images were just pulled (or failed to pull,
	// for buildable ones): plan no pulls, only what follows them.
	Pulled bool
	// Now is the time daily, weekly and every_<duration> pull policies
	// measure from; zero makes every such image due.
	Now time.Time
	// Timeout is the stop timeout; nil uses each container's own.
	Timeout *time.Duration
	// SubnetPool, when set, gives each bridge network the project creates
	// without a subnet of its own one from this pool, picked when the plan
	// is applied; nil leaves the choice to the engine's default pools.
	SubnetPool *subnet.Pool
	// Early holds the stops StopEarly began for this up: the recreates of
	// those containers take them over instead of stopping again.
	Early *EarlyStops
	// OneOff names the service `run` runs: its networks, volumes and image
	// are planned, its containers are not (the one-off container is
	// created by CreateOneOff).
	OneOff string
	// Labels are berth's own labels (engine.LabelTTLUntil and the like)
	// for every container, network and volume this up creates. They are
	// added outside every config hash, so they never make a later up
	// recreate anything; resources that already exist keep theirs.
	Labels map[string]string
}

// upPlanner holds what PlanUp learns while it walks the project.
type upPlanner struct {
	p    *types.Project
	g    *planner.Graph
	opts UpOptions
	plan Plan

	explicit map[string]bool               // services named on the command line (all when none)
	observed map[string][]engine.Container // service -> its containers, by number
	images   map[string]engine.Image       // normalized tag -> local image

	network map[string]int // network key -> create action
	volume  map[string]int // volume key -> create action
	build   map[string]int // service -> build action
	pulls   map[string]int // image -> pull action
	// pullBuild holds, per service, what planPulls decided for its image.
	pullBuild map[string]pullDecision
	// settled lists, per service, the action after which each of its
	// containers is in its final state: dependents are ordered after these.
	settled map[string][]int
	// replaced marks services that get a new container in this plan;
	// recreated those whose existing containers are replaced.
	replaced, recreated map[string]bool
	// maybe lists, for a service whose every recreate is conditional (see
	// condition), those recreate actions: its dependents' recreates and
	// restarts are conditional on them in turn.
	maybe map[string][]int
	// secret holds the values reasons must not show.
	secret sensitive
	// reconnect lists, per container, the keys of the recreated networks
	// it must be connected to again; netStopped holds the stops of the
	// running containers a network recreate stopped (see networks.go).
	reconnect  map[string][]string
	netStopped map[string]int
}

// PlanUp decides what `up` must do to make s match p. It is pure but for
// one look at the file system: the secret and config files of the
// containers it creates, and the build context and Dockerfile of the images
// it builds, must exist; a missing one is an error naming the service and
// the path, before anything is applied.
func PlanUp(p *types.Project, g *planner.Graph, s State, opts UpOptions) (Plan, error) {
	if p == nil || g == nil {
		return Plan{}, errors.New("plan up: no project loaded")
	}
	if opts.ForceRecreate && opts.NoRecreate {
		return Plan{}, errors.New("plan up: --force-recreate and --no-recreate cannot be used together; pick one")
	}
	if opts.Build && opts.NoBuild {
		return Plan{}, errors.New("plan up: --build and --no-build cannot be used together; pick one")
	}
	if err := CheckPullFlag(opts.Pull); err != nil {
		return Plan{}, fmt.Errorf("plan up: %w", err)
	}
	selected, err := g.Select(opts.Services, !opts.NoDeps)
	if err != nil {
		return Plan{}, fmt.Errorf("plan up: %w", err)
	}
	env := newEnv(p)
	env.early = opts.Early
	env.labels = opts.Labels
	u := &upPlanner{
		p: p, g: g, opts: opts,
		plan:      Plan{Project: p.Name, env: env},
		explicit:  map[string]bool{},
		observed:  map[string][]engine.Container{},
		images:    imagesByTag(s.Images),
		network:   map[string]int{},
		volume:    map[string]int{},
		build:     map[string]int{},
		pulls:     map[string]int{},
		pullBuild: map[string]pullDecision{},
		settled:   map[string][]int{},
		replaced:  map[string]bool{},
		recreated: map[string]bool{},
		maybe:     map[string][]int{},
		secret:    sensitiveValues(p),
	}
	u.reconnect, u.netStopped = map[string][]string{}, map[string]int{}
	for _, name := range opts.Services {
		u.explicit[name] = true
	}
	if len(opts.Services) == 0 {
		for _, name := range selected {
			u.explicit[name] = true
		}
	}
	orphans := u.observe(s)
	// Pulls come first: every image that cannot be had fails the plan, or
	// its first actions, before anything is created.
	if err := u.planPulls(selected); err != nil {
		return Plan{}, fmt.Errorf("plan up: %w", err)
	}
	if err := u.planNetworks(selected, s); err != nil {
		return Plan{}, fmt.Errorf("plan up: %w", err)
	}
	if err := u.planVolumes(selected, s.Volumes); err != nil {
		return Plan{}, fmt.Errorf("plan up: %w", err)
	}
	if err := u.planBuilds(selected); err != nil {
		return Plan{}, err
	}
	if opts.OneOff != "" {
		selected = slices.DeleteFunc(slices.Clone(selected), func(s string) bool { return s == opts.OneOff })
	}
	for _, name := range selected {
		if err := u.planService(name); err != nil {
			return Plan{}, fmt.Errorf("plan up: %w", err)
		}
	}
	u.planLeftoverReconnects()
	u.planOrphans(orphans)
	u.afterPulls()
	warnings, err := u.checkFileMounts()
	if err != nil {
		return Plan{}, fmt.Errorf("plan up: %w", err)
	}
	u.plan.Warnings = append(u.plan.Warnings, warnings...)
	return u.plan, nil
}

func newEnv(p *types.Project) *planEnv {
	return &planEnv{project: p, ids: map[string]string{}, replicas: map[string][]string{}}
}

// add appends an action and returns its index.
func (u *upPlanner) add(a Action) int {
	return addAction(&u.plan, a)
}

func addAction(p *Plan, a Action) int {
	// Sort a copy: callers pass one After slice to several actions, and
	// sorting and compacting it in place would rewrite the others'.
	a.After = slices.Compact(slices.Sorted(slices.Values(a.After)))
	if a.op == nil {
		a.op = &op{}
	}
	p.Actions = append(p.Actions, a)
	return len(p.Actions) - 1
}

// observe sorts the project's containers by service and returns the orphans.
func (u *upPlanner) observe(s State) []engine.Container {
	var orphans []engine.Container
	for _, c := range s.Containers {
		if !ours(c.Labels, u.p.Name) {
			continue
		}
		u.plan.env.ids[c.Name] = c.ID
		if isOneoff(c) {
			continue
		}
		svc := c.Labels[engine.LabelService]
		_, active := u.p.Services[svc]
		_, disabled := u.p.DisabledServices[svc]
		switch {
		case active:
			u.observed[svc] = append(u.observed[svc], c)
		case !disabled:
			orphans = append(orphans, c)
		}
	}
	for svc, cs := range u.observed {
		slices.SortFunc(cs, compareContainers)
		u.plan.env.replicas[svc] = containerNames(cs)
	}
	slices.SortFunc(orphans, func(a, b engine.Container) int { return strings.Compare(a.Name, b.Name) })
	return orphans
}

// compareContainers orders by container-number, then name.
func compareContainers(a, b engine.Container) int {
	if n, m := containerNumber(a), containerNumber(b); n != m {
		return n - m
	}
	return strings.Compare(a.Name, b.Name)
}

func containerNames(cs []engine.Container) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Name
	}
	return out
}

// imagesByTag indexes local images by their normalized tags and digest
// references, so that a service pinned by digest is found without asking
// a registry.
func imagesByTag(images []engine.Image) map[string]engine.Image {
	out := map[string]engine.Image{}
	for _, img := range images {
		for _, t := range img.Tags {
			out[normalizeImage(t)] = img
		}
		for _, d := range img.Digests {
			out[normalizeImage(d)] = img
		}
	}
	return out
}

// planVolumes creates the named volumes selected services mount.
func (u *upPlanner) planVolumes(selected []string, observed []engine.Volume) error {
	byName := map[string]engine.Volume{}
	for _, v := range observed {
		if ours(v.Labels, u.p.Name) {
			byName[v.Name] = v
		}
	}
	keys := map[string]string{}
	for _, svc := range selected {
		for _, key := range serviceVolumes(u.p, u.p.Services[svc]) {
			keys[volumeName(u.p, key)] = key
		}
	}
	for _, name := range slices.Sorted(maps.Keys(keys)) {
		key := keys[name]
		cfg := u.p.Volumes[key]
		if cfg.External {
			u.plan.env.externalVolumes = append(u.plan.env.externalVolumes, name)
			continue
		}
		hash, err := VolumeHash(cfg)
		if err != nil {
			return err
		}
		if have, ok := byName[name]; ok {
			if drift := volumeDrift(cfg, have, hash); drift != "" {
				// As compose, which asks and defaults to no: recreating a
				// volume deletes its data, so berth never does it on its own.
				u.plan.Warnings = append(u.plan.Warnings, fmt.Sprintf(
					"volume %s config changed (%s); berth keeps it, since recreating it deletes its data: to apply, run `berth down --volumes` (deletes its data), then `berth up`",
					name, drift))
			}
			continue
		}
		spec := engine.VolumeSpec{Name: name, Config: cfg,
			Labels: resourceLabels(cfg.Labels, cfg.CustomLabels, u.p.Name, engine.LabelVolume, key, hash)}
		maps.Copy(spec.Labels, u.opts.Labels)
		u.volume[key] = u.add(Action{
			Kind:    CreateVolume,
			Target:  Ref{Type: RefVolume, Name: name},
			Reasons: []Reason{{Code: codeMissing, Detail: "volume " + name + " does not exist"}},
			op:      &op{volume: &spec},
		})
	}
	return nil
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// resourceLabels is the label set of a network or volume berth creates,
// with compose's config hash.
func resourceLabels(labels, custom types.Labels, project, keyLabel, key, hash string) map[string]string {
	out := map[string]string{}
	maps.Copy(out, labels)
	maps.Copy(out, custom)
	out[engine.LabelProject] = project
	out[keyLabel] = key
	out[engine.LabelVersion] = engine.ComposeVersion
	out[engine.LabelConfigHash] = hash
	return out
}

// planOrphans removes orphans with RemoveOrphans, and warns about them otherwise.
func (u *upPlanner) planOrphans(orphans []engine.Container) {
	if len(orphans) == 0 {
		return
	}
	if !u.opts.RemoveOrphans {
		u.plan.Warnings = append(u.plan.Warnings, fmt.Sprintf(
			"Found orphan containers ([%s]) for this project. If you removed or renamed this service, run with --remove-orphans.",
			strings.Join(containerNames(orphans), ", ")))
		return
	}
	why := Reason{Code: codeOrphan, Detail: "service removed from compose file"}
	for _, c := range orphans {
		stopAndRemove(&u.plan, c, nil, u.opts.Timeout, false, why)
	}
}

// stopAndRemove plans a container's removal: a stop first when it runs.
// It returns the remove action.
func stopAndRemove(p *Plan, c engine.Container, after []int, timeout *time.Duration, volumes bool, why Reason) int {
	ref := containerRef(c)
	if isRunning(c) {
		stop := addAction(p, Action{Kind: Stop, Target: ref, Reasons: []Reason{why},
			After: slices.Clone(after), op: &op{timeout: timeout}})
		after = []int{stop}
	}
	return addAction(p, Action{Kind: RemoveContainer, Target: ref, Reasons: []Reason{why},
		After: slices.Clone(after), Destructive: true, op: &op{removeVolumes: volumes}})
}

func containerRef(c engine.Container) Ref {
	return Ref{Type: RefContainer, Name: c.Name, Service: c.Labels[engine.LabelService],
		Number: containerNumber(c), ID: c.ID}
}
