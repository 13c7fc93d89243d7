package stack

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	"github.com/distribution/reference"
	swarmtypes "github.com/moby/moby/api/types/swarm"

	"github.com/berth-dev/berth/engine/swarm"
)

// Reason explains an action. Reasons are for people and `--format json`
// only: Apply never reads them.
type Reason struct {
	// Code is stable: new-service, image-changed, env-changed,
	// label-changed, scale, secret-changed, config-changed, spec-changed,
	// forced, orphan, new, unused, removed.
	Code string `json:"code"`
	// Field is the compose field that changed, e.g. "environment.DB_HOST";
	// it never carries a value.
	Field string `json:"field,omitempty"`
	// Detail is one sentence. Environment values and secret contents are
	// never part of it.
	Detail string `json:"detail"`
}

// current is a stored service spec made comparable with a desired one:
// what the manager stores differently from what was sent (network IDs for
// names, a pinned image digest, object IDs) is turned back.
func current(spec swarmtypes.ServiceSpec, st State, d Desired) swarmtypes.ServiceSpec {
	spec = clone(spec)
	for i, n := range spec.TaskTemplate.Networks {
		if name, ok := st.NetworkNames[n.Target]; ok {
			spec.TaskTemplate.Networks[i].Target = name
		}
	}
	if cs := spec.TaskTemplate.ContainerSpec; cs != nil {
		// A digest the daemon pinned (docker stack deploy resolves one by
		// default) is no change as long as the name is the file's.
		if img, _, ok := strings.Cut(cs.Image, "@"); ok && normalImage(img) == normalImage(spec.Labels[swarm.LabelImage]) {
			cs.Image = img
		}
		for _, r := range cs.Secrets {
			r.SecretID = ""
			if r.File != nil {
				r.File.Name = relativeTarget(r.File.Name, secretsDir)
			}
		}
		for _, r := range cs.Configs {
			r.ConfigID = ""
			if r.File != nil {
				r.File.Name = relativeTarget(r.File.Name, configsDir)
			}
			// A config with the very content the file asks for is the same
			// config, whatever its name: an adopted `docker stack deploy`
			// stack names it without a hash.
			if o, ok := d.sameConfig(r.ConfigName, st); ok {
				r.ConfigName = o.name
			}
		}
	}
	return spec
}

// sameConfig finds the desired config whose content the stored config
// name holds, if that config is the file's under another name.
func (d Desired) sameConfig(name string, st State) (object, bool) {
	for _, c := range st.Configs {
		if c.Spec.Name != name {
			continue
		}
		for _, o := range d.objects {
			if o.kind == kindConfig && !o.external && baseName(o.name) == baseName(name) && string(o.data) == string(c.Spec.Data) {
				return o, true
			}
		}
	}
	return object{}, false
}

func clone(spec swarmtypes.ServiceSpec) swarmtypes.ServiceSpec {
	b, err := json.Marshal(spec)
	if err != nil {
		panic(fmt.Sprintf("stack: a service spec does not encode: %v", err))
	}
	var out swarmtypes.ServiceSpec
	if err := json.Unmarshal(b, &out); err != nil {
		panic(fmt.Sprintf("stack: a service spec does not decode: %v", err))
	}
	return out
}

// normalImage is the image as the API client sends it: tagged, in its
// familiar form ("busybox" is "busybox:latest").
func normalImage(img string) string {
	named, err := reference.ParseNormalizedNamed(img)
	if err != nil {
		return img
	}
	return reference.FamiliarString(reference.TagNameOnly(named))
}

// canonical renders a spec as a tree in which what the swarm fills in by
// default reads as absent, and so does every empty value: the swarm makes
// no difference between the two.
func canonical(spec swarmtypes.ServiceSpec) map[string]any {
	spec = clone(spec)
	spec.TaskTemplate.ForceUpdate = 0
	spec.TaskTemplate.Runtime = ""
	if r := spec.Mode.Replicated; r != nil && r.Replicas == nil {
		one := uint64(1)
		r.Replicas = &one
	}
	if e := spec.EndpointSpec; e != nil {
		if e.Mode == swarmtypes.ResolutionModeVIP {
			e.Mode = ""
		}
		for i := range e.Ports {
			if e.Ports[i].Protocol == "tcp" {
				e.Ports[i].Protocol = ""
			}
			if e.Ports[i].PublishMode == swarmtypes.PortConfigPublishModeIngress {
				e.Ports[i].PublishMode = ""
			}
		}
	}
	// The manager stores an empty failure action and order as their
	// defaults, the zero values of its own enums.
	for _, u := range []*swarmtypes.UpdateConfig{spec.UpdateConfig, spec.RollbackConfig} {
		if u == nil {
			continue
		}
		if u.FailureAction == swarmtypes.UpdateFailureActionPause {
			u.FailureAction = ""
		}
		if u.Order == swarmtypes.UpdateOrderStopFirst {
			u.Order = ""
		}
	}
	if cs := spec.TaskTemplate.ContainerSpec; cs != nil {
		cs.Image = normalImage(cs.Image)
		if cs.Isolation == "default" {
			cs.Isolation = ""
		}
		// Order means nothing in these lists; another tool may have sent
		// them unsorted.
		slices.Sort(cs.Env)
		sortRefs(cs.Secrets, func(r *swarmtypes.SecretReference) string { return r.SecretName })
		sortRefs(cs.Configs, func(r *swarmtypes.ConfigReference) string { return r.ConfigName })
	}
	slices.SortStableFunc(spec.TaskTemplate.Networks, func(a, b swarmtypes.NetworkAttachmentConfig) int { return strings.Compare(a.Target, b.Target) })
	b, _ := json.Marshal(spec)
	var tree map[string]any
	_ = json.Unmarshal(b, &tree)
	pruned, _ := prune(tree).(map[string]any)
	if pruned == nil {
		pruned = map[string]any{}
	}
	return pruned
}

// prune drops empty values from a decoded JSON tree; it returns nil for a
// value that is empty itself.
func prune(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range v {
			if p := prune(e); p != nil {
				out[k] = p
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	case []any:
		var out []any
		for _, e := range v {
			p := prune(e)
			if p == nil {
				p = map[string]any{}
			}
			out = append(out, p)
		}
		if len(out) == 0 {
			return nil
		}
		return out
	case string:
		if v == "" {
			return nil
		}
	case float64:
		if v == 0 {
			return nil
		}
	case bool:
		if !v {
			return nil
		}
	case nil:
		return nil
	}
	return v
}

// fields maps spec paths to the compose keys they come from, longest
// path first where one is the prefix of another.
var fields = []struct{ path, key string }{
	{"TaskTemplate.ContainerSpec.Command", "entrypoint"},
	{"TaskTemplate.ContainerSpec.Args", "command"},
	{"TaskTemplate.ContainerSpec.Hostname", "hostname"},
	{"TaskTemplate.ContainerSpec.Hosts", "extra_hosts"},
	{"TaskTemplate.ContainerSpec.DNSConfig", "dns"},
	{"TaskTemplate.ContainerSpec.Healthcheck", "healthcheck"},
	{"TaskTemplate.ContainerSpec.Dir", "working_dir"},
	{"TaskTemplate.ContainerSpec.User", "user"},
	{"TaskTemplate.ContainerSpec.Mounts", "volumes"},
	{"TaskTemplate.ContainerSpec.StopGracePeriod", "stop_grace_period"},
	{"TaskTemplate.ContainerSpec.StopSignal", "stop_signal"},
	{"TaskTemplate.ContainerSpec.TTY", "tty"},
	{"TaskTemplate.ContainerSpec.OpenStdin", "stdin_open"},
	{"TaskTemplate.ContainerSpec.ReadOnly", "read_only"},
	{"TaskTemplate.ContainerSpec.Init", "init"},
	{"TaskTemplate.ContainerSpec.Isolation", "isolation"},
	{"TaskTemplate.ContainerSpec.Sysctls", "sysctls"},
	{"TaskTemplate.ContainerSpec.CapabilityAdd", "cap_add"},
	{"TaskTemplate.ContainerSpec.CapabilityDrop", "cap_drop"},
	{"TaskTemplate.ContainerSpec.Ulimits", "ulimits"},
	{"TaskTemplate.ContainerSpec.OomScoreAdj", "oom_score_adj"},
	{"TaskTemplate.Resources", "deploy.resources"},
	{"TaskTemplate.RestartPolicy", "deploy.restart_policy"},
	{"TaskTemplate.Placement.Constraints", "deploy.placement.constraints"},
	{"TaskTemplate.Placement.Preferences", "deploy.placement.preferences"},
	{"TaskTemplate.Placement.MaxReplicas", "deploy.placement.max_replicas_per_node"},
	{"TaskTemplate.Networks", "networks"},
	{"TaskTemplate.LogDriver", "logging"},
	{"Mode", "deploy.mode"},
	{"UpdateConfig", "deploy.update_config"},
	{"RollbackConfig", "deploy.rollback_config"},
	{"EndpointSpec.Mode", "deploy.endpoint_mode"},
	{"EndpointSpec.Ports", "ports"},
}

// reasons compares a desired spec with a service's stored one, made
// comparable by current, and says field by field what differs. No
// reasons means no update.
func reasons(want, have swarmtypes.ServiceSpec) []Reason {
	w, h := canonical(want), canonical(have)
	if reflect.DeepEqual(w, h) {
		return nil
	}
	var out []Reason
	wc, hc := want.TaskTemplate.ContainerSpec, have.TaskTemplate.ContainerSpec
	if wc == nil || hc == nil {
		return []Reason{{Code: "spec-changed", Detail: "task template changed"}}
	}
	if a, b := normalImage(hc.Image), normalImage(wc.Image); a != b {
		out = append(out, Reason{Code: "image-changed", Field: "image", Detail: fmt.Sprintf("image changed: %s → %s", a, b)})
	}
	out = append(out, mapReasons("env-changed", "environment", pairs(hc.Env), pairs(wc.Env))...)
	out = append(out, mapReasons("label-changed", "labels", withoutStack(hc.Labels), withoutStack(wc.Labels))...)
	out = append(out, mapReasons("label-changed", "deploy.labels", withoutStack(have.Labels), withoutStack(want.Labels))...)
	out = append(out, scaleReason(want.Mode, have.Mode)...)
	out = append(out, refReasons(kindSecret, secretTargets(hc.Secrets), secretTargets(wc.Secrets))...)
	out = append(out, refReasons(kindConfig, configTargets(hc.Configs), configTargets(wc.Configs))...)

	// What is left is compared path by path.
	for _, t := range []map[string]any{w, h} {
		cs, _ := dig(t, "TaskTemplate", "ContainerSpec").(map[string]any)
		for _, k := range []string{"Image", "Env", "Labels", "Secrets", "Configs"} {
			delete(cs, k)
		}
		delete(t, "Labels")
		if r, _ := dig(t, "Mode", "Replicated").(map[string]any); r != nil {
			delete(r, "Replicas")
		}
	}
	seen := map[string]bool{}
	for _, path := range diffPaths("", w, h) {
		key := composeKey(path)
		if !seen[key] {
			seen[key] = true
			out = append(out, Reason{Code: "spec-changed", Field: key, Detail: key + " changed"})
		}
	}
	if len(out) == 0 {
		// The trees differ only where a special case above compares by
		// other means and found no change, e.g. a variable listed twice:
		// still an update, which must say so.
		out = append(out, Reason{Code: "spec-changed", Detail: "service spec changed"})
	}
	return out
}

func dig(t map[string]any, keys ...string) any {
	var v any = t
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// diffPaths lists the dotted paths at which two trees differ, sorted.
func diffPaths(prefix string, a, b map[string]any) []string {
	var out []string
	keys := slices.Sorted(maps.Keys(a))
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		path := strings.TrimPrefix(prefix+"."+k, ".")
		av, bv := a[k], b[k]
		if reflect.DeepEqual(av, bv) {
			continue
		}
		am, aok := av.(map[string]any)
		bm, bok := bv.(map[string]any)
		if aok && bok {
			out = append(out, diffPaths(path, am, bm)...)
			continue
		}
		out = append(out, path)
	}
	return out
}

func composeKey(path string) string {
	for _, f := range fields {
		if path == f.path || strings.HasPrefix(path, f.path+".") {
			return f.key
		}
	}
	return path
}

// pairs reads KEY=VALUE lines into a map.
func pairs(env []string) map[string]string {
	m := map[string]string{}
	for _, e := range env {
		k, v, _ := strings.Cut(e, "=")
		m[k] = v
	}
	return m
}

func withoutStack(labels map[string]string) map[string]string {
	m := maps.Clone(labels)
	delete(m, swarm.LabelNamespace)
	delete(m, swarm.LabelImage)
	return m
}

// mapReasons names each key added, removed or changed, never a value.
func mapReasons(code, field string, have, want map[string]string) []Reason {
	var out []Reason
	keys := slices.Sorted(maps.Keys(want))
	for k := range have {
		if _, ok := want[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		hv, hok := have[k]
		wv, wok := want[k]
		f := field + "." + k
		switch {
		case !hok:
			out = append(out, Reason{Code: code, Field: f, Detail: f + " added"})
		case !wok:
			out = append(out, Reason{Code: code, Field: f, Detail: f + " removed"})
		case hv != wv:
			out = append(out, Reason{Code: code, Field: f, Detail: f + " changed"})
		}
	}
	return out
}

func scaleReason(want, have swarmtypes.ServiceMode) []Reason {
	if want.Replicated == nil || have.Replicated == nil {
		return nil
	}
	n := func(p *uint64) uint64 {
		if p == nil {
			return 1
		}
		return *p
	}
	a, b := n(have.Replicated.Replicas), n(want.Replicated.Replicas)
	if a == b {
		return nil
	}
	return []Reason{{Code: "scale", Field: "deploy.replicas", Detail: fmt.Sprintf("replicas %d → %d", a, b)}}
}

// secretTargets maps a reference's target file to the object it mounts
// and how.
func secretTargets(refs []*swarmtypes.SecretReference) map[string]string {
	m := map[string]string{}
	for _, r := range refs {
		if r.File != nil {
			m[r.File.Name] = fmt.Sprintf("%s %s:%s %o", r.SecretName, r.File.UID, r.File.GID, r.File.Mode)
		}
	}
	return m
}

func configTargets(refs []*swarmtypes.ConfigReference) map[string]string {
	m := map[string]string{}
	for _, r := range refs {
		if r.File != nil {
			m[r.File.Name] = fmt.Sprintf("%s %s:%s %o", r.ConfigName, r.File.UID, r.File.GID, r.File.Mode)
		}
	}
	return m
}

// refReasons names each secret or config whose object or mount changed,
// by target: a changed file is a new object under the same target.
func refReasons(kind string, have, want map[string]string) []Reason {
	var out []Reason
	for _, r := range mapReasons(kind+"-changed", kind+"s", have, want) {
		name, _ := strings.CutPrefix(r.Field, kind+"s.")
		if strings.HasSuffix(r.Detail, " changed") && baseName(strings.Fields(have[name])[0]) == baseName(strings.Fields(want[name])[0]) &&
			strings.Fields(have[name])[0] != strings.Fields(want[name])[0] {
			r.Detail = r.Field + " changed (new content)"
		}
		out = append(out, r)
	}
	return out
}
