package reconcile

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/planner"
)

// planService decides the container actions of one service. Services are
// planned in dependency order, so everything it depends on is decided.
func (u *upPlanner) planService(name string) error {
	svc := u.p.Services[name]
	want := svc.GetScale()
	if svc.ContainerName != "" && want > 1 {
		return fmt.Errorf("service %s: container_name %q cannot be used with scale %d (container names are unique); remove container_name or set scale to 1",
			name, svc.ContainerName, want)
	}
	keep, extra := u.replicas(svc, want)

	wantJSON, wantHash, err := u.expectedConfig(svc)
	if err != nil {
		return err
	}
	deps := u.dependencyActions(name)
	infra := append(u.infraActions(svc), deps...)
	waits := u.waits(name)
	// A container left over from an interrupted recreate holds the
	// temporary name the next recreate of its number uses, so it goes
	// first and the service's other actions wait for it.
	var scaleDown []engine.Container
	for _, c := range extra {
		if !slices.ContainsFunc(keep, func(k engine.Container) bool { return containerNumber(k) == containerNumber(c) }) {
			scaleDown = append(scaleDown, c)
			continue
		}
		why := Reason{Code: codeDuplicate, Detail: fmt.Sprintf(
			"duplicate container-number %d (left over from an interrupted recreate)", containerNumber(c))}
		infra = append(infra, stopAndRemove(&u.plan, c, nil, u.opts.Timeout, false, why))
	}
	var settled []int
	var replicas []engine.Container // the service's containers once applied
	// maybe collects the service's conditional recreates; one that is not
	// conditional makes the service certainly recreated.
	var maybe []int
	certain := false

	for _, c := range keep {
		ref := containerRef(c)
		if why, cond := u.recreateReasons(svc, c, wantJSON, wantHash); len(why) > 0 {
			if cond != nil && len(u.reconnect[c.Name]) > 0 {
				// A recreated network takes c off it anyway, and the
				// replacement joins the new network by itself; keeping c
				// would need a reconnect that hangs on the build's result.
				cond = nil
			}
			// Dependents find the replacement by the name it ends up
			// with, which c may not carry yet after an interrupted
			// recreate.
			final := c
			final.Name = containerName(u.p.Name, svc, containerNumber(c))
			replicas = append(replicas, final)
			s := svc
			i := u.add(Action{Kind: Recreate, Target: ref, Reasons: why, After: infra, Destructive: true,
				// The final name is the wanted one, not c's: after an
				// interrupted recreate c may still carry the temporary name.
				op: &op{service: &s, finalName: final.Name, timeout: u.opts.Timeout,
					start: !u.opts.NoStart, wasRunning: isRunning(c), renewAnon: u.opts.RenewAnonVolumes, waits: waits,
					onlyIf: cond}})
			settled = append(settled, i)
			u.replaced[name], u.recreated[name] = true, true
			// Its replacement joins the recreated networks by itself.
			delete(u.reconnect, c.Name)
			if cond != nil {
				maybe = append(maybe, i)
			} else {
				certain = true
			}
			continue
		}
		replicas = append(replicas, c)
		connects := u.reconnectActions(svc, c)
		if i := u.restartAfterReconnect(c, append(slices.Clone(infra), connects...), waits); i >= 0 {
			settled = append(settled, i)
			continue
		}
		if isStopped(c) {
			if u.opts.NoStart {
				continue
			}
			i := u.add(Action{Kind: Start, Target: ref, After: append(slices.Clone(infra), connects...),
				Reasons: []Reason{{Code: codeStopped, Detail: "container is " + c.State}},
				op:      &op{waits: waits}})
			settled = append(settled, i)
			continue
		}
		if restartAfter, why, cond := u.restartReasons(name); len(why) > 0 && isRunning(c) {
			i := u.add(Action{Kind: Restart, Target: ref, Reasons: why, After: restartAfter,
				op: &op{timeout: u.opts.Timeout, waits: waits, onlyIf: cond}})
			settled = append(settled, i)
		}
	}

	used := map[int]bool{}
	for _, c := range keep {
		used[containerNumber(c)] = true
	}
	number := 1
	for n := len(keep); n < want; n++ {
		for used[number] {
			number++
		}
		used[number] = true
		cname := containerName(u.p.Name, svc, number)
		replicas = append(replicas, engine.Container{Name: cname,
			Labels: map[string]string{engine.LabelNumber: strconv.Itoa(number)}})
		why := Reason{Code: codeNewService, Detail: "service " + name + " has no container"}
		if len(u.observed[name]) > 0 {
			why = Reason{Code: codeScaleUp, Detail: fmt.Sprintf("scale %d → %d", len(u.observed[name]), want)}
		}
		s := svc
		i := u.add(Action{Kind: CreateContainer, After: infra, Reasons: []Reason{why},
			Target: Ref{Type: RefContainer, Name: cname, Service: name, Number: number},
			op:     &op{service: &s, finalName: cname}})
		u.replaced[name] = true
		certain = true
		if !u.opts.NoStart {
			i = u.add(Action{Kind: Start, After: []int{i},
				Target:  Ref{Type: RefContainer, Name: cname, Service: name, Number: number},
				Reasons: []Reason{why}, op: &op{waits: waits}})
		}
		settled = append(settled, i)
	}

	for _, c := range scaleDown {
		why := Reason{Code: codeScaleDown, Detail: fmt.Sprintf("scale %d → %d", len(u.observed[name]), want)}
		stopAndRemove(&u.plan, c, nil, u.opts.Timeout, false, why)
	}

	if len(maybe) > 0 && !certain {
		u.maybe[name] = maybe
	}
	slices.SortFunc(replicas, compareContainers)
	u.plan.env.replicas[name] = containerNames(replicas)
	u.settled[name] = settled
	return nil
}

// replicas splits a service's containers into those to keep (at most want,
// lowest numbers first, one per number) and the extra ones to remove.
// Containers without a valid number are left alone.
func (u *upPlanner) replicas(svc types.ServiceConfig, want int) (keep, extra []engine.Container) {
	byNumber := map[int][]engine.Container{}
	var numbers []int
	for _, c := range u.observed[svc.Name] {
		n := containerNumber(c)
		if n == 0 {
			u.plan.Warnings = append(u.plan.Warnings, fmt.Sprintf(
				"container %s has no valid %s label; berth leaves it alone", c.Name, engine.LabelNumber))
			continue
		}
		if _, ok := byNumber[n]; !ok {
			numbers = append(numbers, n)
		}
		byNumber[n] = append(byNumber[n], c)
	}
	slices.Sort(numbers)
	for _, n := range numbers {
		cs := byNumber[n]
		// The container holding the final name wins; a temporary one from an
		// interrupted recreate is the duplicate.
		best := 0
		for i, c := range cs {
			if c.Name == containerName(u.p.Name, svc, n) {
				best = i
			}
		}
		if len(keep) < want {
			keep = append(keep, cs[best])
		} else {
			extra = append(extra, cs[best])
		}
		for i, c := range cs {
			if i != best {
				extra = append(extra, c)
			}
		}
	}
	slices.SortFunc(extra, compareContainers)
	return keep, extra
}

// expectedConfig is the hash input and hash a container of svc must carry,
// with service references resolved against the observed containers as
// compose does. An unresolvable reference is hashed as written: it cannot
// match, so the container is recreated and Apply reports the missing parent.
func (u *upPlanner) expectedConfig(svc types.ServiceConfig) ([]byte, string, error) {
	resolved, err := resolveRefs(svc, func(parent string) (string, bool) {
		cs := u.observed[parent]
		if len(cs) == 0 {
			return "", false
		}
		return cs[0].ID, true
	})
	if err != nil {
		resolved = svc
	}
	b, err := hashInput(resolved)
	if err != nil {
		return nil, "", err
	}
	return b, sha256Hex(b), nil
}

// recreateReasons returns why container c of svc must be replaced, or
// nothing when it is up to date. A non-nil condition makes the recreate
// depend on what Apply finds: it is returned when the only reasons are a
// build of this plan, which may leave the image as it was, and parents
// whose own recreates are conditional.
func (u *upPlanner) recreateReasons(svc types.ServiceConfig, c engine.Container, wantJSON []byte, wantHash string) ([]Reason, *condition) {
	if u.opts.NoRecreate {
		return nil, nil
	}
	if u.opts.ForceRecreate && u.explicit[svc.Name] {
		return []Reason{{Code: codeForced, Detail: "--force-recreate requested"}}, nil
	}
	var maybeParents []string
	var parentActions []int
	for _, parent := range parents(svc) {
		if !u.replaced[parent] {
			continue
		}
		if acts, ok := u.maybe[parent]; ok {
			maybeParents = append(maybeParents, parent)
			parentActions = append(parentActions, acts...)
			continue
		}
		return []Reason{{Code: codeParent, Detail: fmt.Sprintf(
			"%s gets a new container and %s shares its namespace or volumes", parent, svc.Name)}}, nil
	}
	var why []Reason
	if want := containerName(u.p.Name, svc, containerNumber(c)); c.Name != want {
		why = append(why, Reason{Code: codeRenamed, Detail: fmt.Sprintf(
			"container is named %s instead of %s (interrupted recreate)", c.Name, want)})
	}
	if c.Labels[engine.LabelConfigHash] != wantHash {
		why = append(why, configReasons(recordedConfig(c), wantJSON, u.secret)...)
	}
	img := imageName(u.p.Name, svc)
	have := c.ImageID
	if have == "" {
		have = c.Labels[engine.LabelImage]
	}
	// When the image reference itself changed, the config reason says so;
	// comparing the old image's ID with the new reference's would repeat it.
	// Docker lists a container's image by ID once its tag has moved to
	// another image (a pull or a build), which is just when it changed.
	sameRef := !slices.ContainsFunc(why, func(r Reason) bool { return r.Field == "image" }) &&
		(c.Image == "" || strings.HasPrefix(c.Image, "sha256:") || normalizeImage(c.Image) == normalizeImage(img))
	if local, ok := u.images[normalizeImage(img)]; ok && sameRef && have != "" && have != local.ID {
		why = append(why, Reason{Code: codeImageChanged, Detail: fmt.Sprintf(
			"image %s changed locally (%s → %s)", img, shortID(have), shortID(local.ID))})
	}
	_, built := u.build[svc.Name]
	if len(why) > 0 {
		if built {
			why = append(why, Reason{Code: codeImageRebuilt, Detail: "image " + img + " is rebuilt by this plan"})
		}
		return why, nil
	}
	var cond *condition
	if built {
		if !sameRef || have == "" {
			// Nothing to compare the build with: replace, as before.
			return []Reason{{Code: codeImageRebuilt, Detail: "image " + img + " is rebuilt by this plan"}}, nil
		}
		cond = &condition{image: img, imageID: have}
		why = append(why, Reason{Code: codeImageRebuilt, Detail: "image " + img +
			" is rebuilt by this plan; the container is replaced only if the build changes its ID"})
	}
	if len(maybeParents) > 0 {
		if cond == nil {
			cond = &condition{}
		}
		cond.parents = parentActions
		why = append(why, Reason{Code: codeParent, Detail: fmt.Sprintf(
			"%s may get a new container and %s shares its namespace or volumes; replaced only if it does",
			strings.Join(maybeParents, ", "), svc.Name)})
	}
	return why, cond
}

func shortID(id string) string {
	if _, hex, ok := cutAlgo(id); ok {
		id = hex
	}
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

func cutAlgo(id string) (string, string, bool) {
	for i := 0; i < len(id); i++ {
		if id[i] == ':' {
			return id[:i], id[i+1:], true
		}
	}
	return "", id, false
}

// infraActions are the network, volume and build actions svc's containers wait for.
func (u *upPlanner) infraActions(svc types.ServiceConfig) []int {
	var out []int
	for _, key := range serviceNetworks(svc) {
		if i, ok := u.network[key]; ok {
			out = append(out, i)
		}
	}
	for _, key := range serviceVolumes(u.p, svc) {
		if i, ok := u.volume[key]; ok {
			out = append(out, i)
		}
	}
	if i, ok := u.build[svc.Name]; ok {
		out = append(out, i)
	}
	return out
}

// dependencyActions are the actions that settle the containers of
// everything name depends on.
func (u *upPlanner) dependencyActions(name string) []int {
	var out []int
	for _, e := range u.g.Edges(name) {
		out = append(out, u.settled[e.To]...)
	}
	return out
}

// restartReasons says whether a running, up-to-date container of name must
// restart because a dependency with restart: true is recreated. The
// restart is conditional when every such dependency's recreate is.
func (u *upPlanner) restartReasons(name string) ([]int, []Reason, *condition) {
	var after, maybe []int
	var why []Reason
	certain := false
	seen := map[string]bool{}
	for _, e := range u.g.Edges(name) {
		if !e.Restart || !u.recreated[e.To] || seen[e.To] {
			continue
		}
		seen[e.To] = true
		after = append(after, u.settled[e.To]...)
		detail := fmt.Sprintf("dependency %s is recreated (depends_on restart: true)", e.To)
		if acts, ok := u.maybe[e.To]; ok {
			maybe = append(maybe, acts...)
			detail = fmt.Sprintf("dependency %s may be recreated (depends_on restart: true); restarted only if it is", e.To)
		} else {
			certain = true
		}
		why = append(why, Reason{Code: codeDependency, Detail: detail})
	}
	if certain || len(maybe) == 0 {
		return after, why, nil
	}
	return after, why, &condition{parents: maybe}
}

// waits lists the depends_on conditions a start of name must honour beyond
// ordering: service_healthy and service_completed_successfully.
func (u *upPlanner) waits(name string) []wait {
	var out []wait
	for _, e := range u.g.Edges(name) {
		if e.Kind != planner.KindDependsOn || e.Condition == types.ServiceConditionStarted || e.Condition == "" {
			continue
		}
		dep, ok := u.p.Services[e.To]
		if !ok || dep.GetScale() == 0 {
			continue
		}
		out = append(out, wait{service: e.To, condition: e.Condition, required: e.Required})
	}
	return out
}
