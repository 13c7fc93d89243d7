package reconcile

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
)

// hashInput is the JSON ServiceHash hashes: the service with build,
// pull_policy, scale, deploy.replicas, depends_on and profiles cleared, as
// docker compose clears them. Its digests are stored on containers in
// LabelConfig so that a later plan can say which fields changed.
func hashInput(s types.ServiceConfig) ([]byte, error) {
	s.Build = nil
	s.PullPolicy = ""
	s.Scale = nil
	if s.Deploy != nil {
		d := *s.Deploy
		d.Replicas = nil
		s.Deploy = &d
	}
	s.DependsOn = nil
	s.Profiles = nil
	b, err := json.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("encode service %s: %w", s.Name, err)
	}
	return b, nil
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// resolveRefs rewrites a service's references to other services the way
// compose does before hashing and creating: network_mode, ipc and pid
// "service:X" become "container:<ID of X's first container>", and a
// volumes_from entry becomes that bare ID ("container:C" becomes "C"). Like
// compose, a volumes_from access mode is dropped: the hash must match.
// idOf returns the ID of a service's first container.
func resolveRefs(s types.ServiceConfig, idOf func(service string) (string, bool)) (types.ServiceConfig, error) {
	s.VolumesFrom = slices.Clone(s.VolumesFrom)
	for i, v := range s.VolumesFrom {
		if c, ok := cutContainerRef(v); ok {
			s.VolumesFrom[i] = c
			continue
		}
		name := volumesFromService(v)
		id, ok := idOf(name)
		if !ok {
			return s, fmt.Errorf("service %s: volumes_from %s: service %s has no container; create it first (berth up %s)", s.Name, v, name, name)
		}
		s.VolumesFrom[i] = id
	}
	for _, f := range []struct {
		field string
		mode  *string
	}{{"network_mode", &s.NetworkMode}, {"ipc", &s.Ipc}, {"pid", &s.Pid}} {
		name := serviceFromMode(*f.mode)
		if name == "" {
			continue
		}
		id, ok := idOf(name)
		if !ok {
			return s, fmt.Errorf("service %s: %s %s: service %s has no container; create it first (berth up %s)", s.Name, f.field, *f.mode, name, name)
		}
		*f.mode = types.ContainerPrefix + id
	}
	return s, nil
}

// cutContainerRef returns C for a volumes_from entry "container:C[:mode]".
func cutContainerRef(v string) (string, bool) {
	rest, ok := strings.CutPrefix(v, types.ContainerPrefix)
	if !ok {
		return "", false
	}
	name, _, _ := strings.Cut(rest, ":")
	return name, true
}

// Reason codes.
const (
	codeNewService     = "new-service"
	codeConfigChanged  = "config-changed"
	codeEnvChanged     = "env-changed"
	codeImageChanged   = "image-changed"
	codeImageRebuilt   = "image-rebuilt"
	codeOrphan         = "orphan"
	codeScaleDown      = "scale-down"
	codeDuplicate      = "duplicate"
	codeParent         = "parent-recreated"
	codeDependency     = "dependency-restarted"
	codeForced         = "forced"
	codeStopped        = "stopped"
	codeMissing        = "missing"
	codeBuildRequested = "build-requested"
	codeDown           = "down"
	codeRequested      = "requested"
	codeScaleUp        = "scale-up"
	codeRenamed        = "renamed"
	codeNetworkChanged = "network-changed"
)

// configReasons explains why a container whose hash differs must be
// recreated. have is the container's record (nil when it has none, e.g.
// docker compose created it); want is hashInput of the desired service.
//
// Environment keys are reported without values: they may be secrets or
// come from a .env file. Secrets and configs are named by source, never by
// content. The image, command, entrypoint and labels are shown with their
// new value, which is what people look for, unless it contains a
// sensitive value (say, a password interpolated into the command); old
// values are never shown (the record holds digests only, bar the image).
func configReasons(have *record, want []byte, secret sensitive) []Reason {
	generic := []Reason{{Code: codeConfigChanged,
		Detail: "configuration changed (created without berth's record; field details unavailable)"}}
	if have == nil {
		return generic
	}
	var values map[string]json.RawMessage
	next, err := newRecord(want)
	if err != nil || json.Unmarshal(want, &values) != nil {
		return generic
	}
	var out []Reason
	for _, key := range unionKeys(have.Fields, next.Fields) {
		if have.Fields[key] == next.Fields[key] {
			continue
		}
		switch key {
		case "environment":
			out = append(out, mapReasons(codeEnvChanged, key, have.Maps[key], next.Maps[key], nil, nil)...)
		case "labels":
			out = append(out, mapReasons(codeConfigChanged, key, have.Maps[key], next.Maps[key], values[key], &secret)...)
		case "secrets", "configs":
			out = append(out, refReasons(key, have.Refs[key], next.Refs[key])...)
		case "command", "entrypoint":
			out = append(out, commandReason(key, values[key], secret))
		case "image":
			out = append(out, Reason{Code: codeConfigChanged, Field: key,
				Detail: fmt.Sprintf("image changed (%s → %s)", orNone(have.Image), orNone(next.Image))})
		default:
			out = append(out, Reason{Code: codeConfigChanged, Field: key, Detail: key + " changed"})
		}
	}
	if len(out) == 0 {
		return []Reason{{Code: codeConfigChanged, Detail: "configuration changed"}}
	}
	return out
}

// hiddenNote replaces a value that contains a sensitive one.
const hiddenNote = "(new value hidden: it contains an environment or secret value)"

// mapReasons compares the digests of two maps key by key. With show nil
// only keys are named; otherwise new values, taken from values (the
// desired map as JSON), are shown unless they contain a sensitive value.
func mapReasons(code, field string, have, next map[string]string, values json.RawMessage, show *sensitive) []Reason {
	var raw map[string]json.RawMessage
	_ = json.Unmarshal(values, &raw)
	value := func(k string) string {
		var v string
		_ = json.Unmarshal(raw[k], &v)
		if show.in(v) {
			return " " + hiddenNote
		}
		return fmt.Sprintf(" to %q", v)
	}
	var out []Reason
	for _, k := range unionKeys(have, next) {
		f := field + "." + k
		va, inA := have[k]
		vb, inB := next[k]
		switch {
		case !inA && show != nil:
			out = append(out, Reason{Code: code, Field: f, Detail: f + " added, set" + value(k)})
		case !inA:
			out = append(out, Reason{Code: code, Field: f, Detail: f + " added"})
		case !inB:
			out = append(out, Reason{Code: code, Field: f, Detail: f + " removed"})
		case va != vb && show != nil:
			out = append(out, Reason{Code: code, Field: f, Detail: f + " changed" + value(k)})
		case va != vb:
			out = append(out, Reason{Code: code, Field: f, Detail: f + " changed (value hidden)"})
		}
	}
	if len(out) == 0 {
		out = append(out, Reason{Code: code, Field: field, Detail: field + " changed"})
	}
	return out
}

// commandReason reports a changed command or entrypoint with its new value.
func commandReason(field string, b json.RawMessage, secret sensitive) Reason {
	var args []string
	_ = json.Unmarshal(b, &args)
	switch {
	case len(args) == 0:
		return Reason{Code: codeConfigChanged, Field: field, Detail: field + " removed"}
	case secret.in(strings.Join(args, " ")):
		return Reason{Code: codeConfigChanged, Field: field, Detail: field + " changed " + hiddenNote}
	}
	quoted := make([]string, len(args))
	for i, arg := range args {
		quoted[i] = strconv.Quote(arg)
	}
	return Reason{Code: codeConfigChanged, Field: field,
		Detail: fmt.Sprintf("%s changed to [%s]", field, strings.Join(quoted, ", "))}
}

// refReasons compares secret or config references by source. Only the
// source and the names of the changed attributes are shown; a reference
// carries no content anyway, but its target and mode say little to people
// deciding whether to apply.
func refReasons(field string, have, next map[string][]map[string]string) []Reason {
	var out []Reason
	for _, src := range unionKeys(have, next) {
		f := field + "." + src
		ra, inA := have[src]
		rb, inB := next[src]
		switch {
		case !inA:
			out = append(out, Reason{Code: codeConfigChanged, Field: f, Detail: f + " added"})
		case !inB:
			out = append(out, Reason{Code: codeConfigChanged, Field: f, Detail: f + " removed"})
		case !slices.EqualFunc(ra, rb, func(x, y map[string]string) bool { return len(attrDiff(x, y)) == 0 }):
			detail := f + " changed"
			if len(ra) == 1 && len(rb) == 1 {
				detail += " (" + strings.Join(attrDiff(ra[0], rb[0]), ", ") + ")"
			}
			out = append(out, Reason{Code: codeConfigChanged, Field: f, Detail: detail})
		}
	}
	if len(out) == 0 {
		out = append(out, Reason{Code: codeConfigChanged, Field: field, Detail: field + " changed"})
	}
	return out
}

// refsBySource groups a JSON list of file references by source.
func refsBySource(raw json.RawMessage) map[string][]map[string]json.RawMessage {
	var refs []map[string]json.RawMessage
	_ = json.Unmarshal(raw, &refs)
	out := map[string][]map[string]json.RawMessage{}
	for _, r := range refs {
		var src string
		_ = json.Unmarshal(r["source"], &src)
		out[src] = append(out[src], r)
	}
	return out
}

// attrDiff names the attributes two references differ in.
func attrDiff(a, b map[string]string) []string {
	var out []string
	for _, k := range unionKeys(a, b) {
		if a[k] != b[k] {
			out = append(out, k)
		}
	}
	return out
}

func unionKeys[V any](a, b map[string]V) []string {
	keys := make([]string, 0, len(a)+len(b))
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return slices.Compact(keys)
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
