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
)

// DownOptions are the choices `berth down` passes to PlanDown.
type DownOptions struct {
	// Volumes removes the project's named volumes (never external ones).
	Volumes bool
	// RemoveOrphans removes containers of services no longer in the project.
	RemoveOrphans bool
	// Rmi removes images: "local" those built without a custom tag, "all"
	// every service image; "" none.
	Rmi string
	// Timeout is the stop timeout; nil uses each container's own.
	Timeout *time.Duration
}

// PlanDown decides what `down` removes. p may hold only the project name
// (down works from -p alone); then every container of the project is
// removed and the order comes from the depends_on labels.
//
// Only resources labelled with the project are touched, and never a
// network or volume the project declares external.
func PlanDown(p *types.Project, s State, opts DownOptions) (Plan, error) {
	if p == nil || p.Name == "" {
		return Plan{}, errors.New("plan down: no project name; pass -p NAME or run from the project directory")
	}
	switch opts.Rmi {
	case "", "local", "all":
	default:
		return Plan{}, fmt.Errorf("plan down: --rmi %q is not valid; use \"local\" or \"all\"", opts.Rmi)
	}
	plan := Plan{Project: p.Name, env: newEnv(p)}
	plan.env.dropState = true
	plan.env.keepGoing = true
	known := len(p.Services) > 0 || len(p.DisabledServices) > 0

	var members, orphans []engine.Container
	for _, c := range s.Containers {
		if !ours(c.Labels, p.Name) {
			continue
		}
		// One-off containers (`run`) go only with --remove-orphans, as
		// with compose, and without a warning when kept.
		if c.Labels[engine.LabelOneoff] == "True" {
			if opts.RemoveOrphans {
				orphans = append(orphans, c)
			}
			continue
		}
		svc := c.Labels[engine.LabelService]
		_, active := p.Services[svc]
		_, disabled := p.DisabledServices[svc]
		if !known || active || disabled {
			members = append(members, c)
		} else {
			orphans = append(orphans, c)
		}
	}
	removed := removeInReverseOrder(&plan, p, members, opts.Timeout, Reason{Code: codeDown, Detail: "project is going down"})
	if opts.RemoveOrphans {
		slices.SortFunc(orphans, func(a, b engine.Container) int { return strings.Compare(a.Name, b.Name) })
		for _, c := range orphans {
			why := Reason{Code: codeOrphan, Detail: "service removed from compose file"}
			if c.Labels[engine.LabelOneoff] == "True" {
				why.Detail = "one-off container (from docker compose run)"
			}
			removed = append(removed, stopAndRemove(&plan, c, nil, opts.Timeout, false, why))
		}
	} else if len(orphans) > 0 {
		plan.Warnings = append(plan.Warnings, fmt.Sprintf(
			"Found orphan containers ([%s]) for this project. If you removed or renamed this service, run with --remove-orphans.",
			strings.Join(sortedNames(orphans), ", ")))
	}

	externalNet, externalVol := externals(p)
	for _, n := range sortedNetworks(s.Networks) {
		if !ours(n.Labels, p.Name) || externalNet[n.Name] {
			continue
		}
		addAction(&plan, Action{Kind: RemoveNetwork, After: removed,
			Target:  Ref{Type: RefNetwork, Name: n.Name, ID: n.ID},
			Reasons: []Reason{{Code: codeDown, Detail: "project is going down"}}})
	}
	if opts.Volumes {
		for _, v := range sortedVolumes(s.Volumes) {
			if !ours(v.Labels, p.Name) || externalVol[v.Name] {
				continue
			}
			addAction(&plan, Action{Kind: RemoveVolume, After: removed, Destructive: true,
				Target:  Ref{Type: RefVolume, Name: v.Name},
				Reasons: []Reason{{Code: codeDown, Detail: "--volumes requested: its data is deleted"}}})
		}
	}
	for _, img := range imagesToRemove(p, s.Images, opts) {
		addAction(&plan, Action{Kind: RemoveImage, After: removed, Destructive: true,
			Target:  Ref{Type: RefImage, Name: img.ref, Service: img.service, ID: img.id},
			Reasons: []Reason{{Code: codeDown, Detail: "--rmi " + opts.Rmi + " requested"}},
			op:      &op{image: img.ref}})
	}
	if plan.Empty() {
		plan.Warnings = append(plan.Warnings, fmt.Sprintf("No resource found to remove for project %q.", p.Name))
	}
	return plan, nil
}

// removeInReverseOrder stops and removes containers, each service's after
// those of the services that depend on it. It returns the remove actions.
func removeInReverseOrder(plan *Plan, p *types.Project, cs []engine.Container, timeout *time.Duration, why Reason) []int {
	deps := serviceDeps(p, cs)
	byService := groupByService(cs)
	order := dependencyOrder(slices.Collect(maps.Keys(byService)), deps)
	slices.Reverse(order)
	rdeps := dependents(deps)
	removes := map[string][]int{}
	var all []int
	for _, svc := range order {
		var after []int
		for _, d := range rdeps[svc] {
			after = append(after, removes[d]...)
		}
		for _, c := range byService[svc] {
			i := stopAndRemove(plan, c, after, timeout, false, why)
			removes[svc] = append(removes[svc], i)
			all = append(all, i)
		}
	}
	return all
}

// groupByService groups containers by service label: service containers
// by number, then one-off containers by name.
func groupByService(cs []engine.Container) map[string][]engine.Container {
	out := map[string][]engine.Container{}
	for _, c := range cs {
		svc := c.Labels[engine.LabelService]
		out[svc] = append(out[svc], c)
	}
	for _, list := range out {
		slices.SortFunc(list, func(a, b engine.Container) int {
			if oa, ob := isOneoff(a), isOneoff(b); oa != ob {
				if oa {
					return 1
				}
				return -1
			}
			return compareContainers(a, b)
		})
	}
	return out
}

func sortedNames(cs []engine.Container) []string {
	names := containerNames(cs)
	slices.Sort(names)
	return names
}

// externals returns the engine names of the project's external networks and volumes.
func externals(p *types.Project) (nets, vols map[string]bool) {
	nets, vols = map[string]bool{}, map[string]bool{}
	for key, n := range p.Networks {
		if n.External {
			nets[networkName(p, key)] = true
		}
	}
	for key, v := range p.Volumes {
		if v.External {
			vols[volumeName(p, key)] = true
		}
	}
	return nets, vols
}

func sortedNetworks(ns []engine.Network) []engine.Network {
	out := slices.Clone(ns)
	slices.SortFunc(out, func(a, b engine.Network) int { return strings.Compare(a.Name, b.Name) })
	return out
}

func sortedVolumes(vs []engine.Volume) []engine.Volume {
	out := slices.Clone(vs)
	slices.SortFunc(out, func(a, b engine.Volume) int { return strings.Compare(a.Name, b.Name) })
	return out
}

type imageRef struct{ ref, service, id string }

// imagesToRemove picks the local images --rmi removes, as compose does:
// "local" removes the images built under the default name (project-service)
// and those labelled as built for the project; "all" adds every image a
// service names. Images not present locally are skipped.
func imagesToRemove(p *types.Project, images []engine.Image, opts DownOptions) []imageRef {
	if opts.Rmi == "" {
		return nil
	}
	local := imagesByTag(images)
	seen := map[string]bool{}
	var out []imageRef
	addRef := func(ref, service string) {
		img, ok := local[normalizeImage(ref)]
		if !ok || seen[normalizeImage(ref)] {
			return
		}
		seen[normalizeImage(ref)] = true
		out = append(out, imageRef{ref: ref, service: service, id: img.ID})
	}
	for _, name := range p.ServiceNames() {
		s := p.Services[name]
		if s.Image == "" || opts.Rmi == "all" {
			addRef(imageName(p.Name, s), name)
		}
	}
	for _, img := range images {
		if !ours(img.Labels, p.Name) || len(img.Tags) == 0 {
			continue
		}
		svc := img.Labels[engine.LabelService]
		if _, known := p.Services[svc]; known || opts.RemoveOrphans || len(p.Services) == 0 {
			addRef(img.Tags[0], svc)
		}
	}
	slices.SortFunc(out, func(a, b imageRef) int { return strings.Compare(a.ref, b.ref) })
	return out
}
