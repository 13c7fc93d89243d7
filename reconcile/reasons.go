package reconcile

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
)

// hashInput is the JSON ServiceHash hashes. It is stored on containers in
// LabelConfig so that a later plan can say which fields changed; a test
// keeps it in step with ServiceHash.
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
)

// configReasons explains why a container whose hash differs must be
// recreated. recorded is the container's LabelConfig (nil when it has none,
// e.g. docker compose created it); want is hashInput of the desired service.
//
// The environment and labels are compared key by key, and only keys are
// reported: their values may be secrets or come from a .env file. Only the
// image is shown with its values, because that is what people look for.
func configReasons(recorded, want []byte) []Reason {
	generic := []Reason{{Code: codeConfigChanged,
		Detail: "configuration changed (created without berth's record; field details unavailable)"}}
	if recorded == nil {
		return generic
	}
	var have, next map[string]json.RawMessage
	if json.Unmarshal(recorded, &have) != nil || json.Unmarshal(want, &next) != nil {
		return generic
	}
	var out []Reason
	for _, key := range unionKeys(have, next) {
		a, b := have[key], next[key]
		if bytes.Equal(a, b) {
			continue
		}
		switch key {
		case "environment":
			out = append(out, mapReasons(codeEnvChanged, key, a, b, " (value hidden)")...)
		case "labels":
			out = append(out, mapReasons(codeConfigChanged, key, a, b, "")...)
		case "image":
			var from, to string
			_ = json.Unmarshal(a, &from)
			_ = json.Unmarshal(b, &to)
			out = append(out, Reason{Code: codeConfigChanged, Field: key,
				Detail: fmt.Sprintf("image changed (%s → %s)", orNone(from), orNone(to))})
		default:
			out = append(out, Reason{Code: codeConfigChanged, Field: key, Detail: key + " changed"})
		}
	}
	if len(out) == 0 {
		return []Reason{{Code: codeConfigChanged, Detail: "configuration changed"}}
	}
	return out
}

// mapReasons compares two JSON objects key by key, naming keys only.
func mapReasons(code, field string, a, b json.RawMessage, suffix string) []Reason {
	var have, next map[string]json.RawMessage
	_ = json.Unmarshal(a, &have)
	_ = json.Unmarshal(b, &next)
	var out []Reason
	for _, k := range unionKeys(have, next) {
		f := field + "." + k
		va, inA := have[k]
		vb, inB := next[k]
		switch {
		case !inA:
			out = append(out, Reason{Code: code, Field: f, Detail: f + " added"})
		case !inB:
			out = append(out, Reason{Code: code, Field: f, Detail: f + " removed"})
		case !bytes.Equal(va, vb):
			out = append(out, Reason{Code: code, Field: f, Detail: f + " changed" + suffix})
		}
	}
	if len(out) == 0 {
		out = append(out, Reason{Code: code, Field: field, Detail: field + " changed"})
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
