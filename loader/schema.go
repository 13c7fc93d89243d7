package loader

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// expectation completes an "unknown key" message with what the compose
// schema allows at that place: the closest key when one is near, else the
// list when it is short. The schema is parsed only here, on an error path.
func expectation(path, key string, files []*configFile) string {
	allowed := allowedKeys(schemaSegments(path, files))
	if len(allowed) == 0 {
		return ""
	}
	if best := closest(key, allowed); best != "" {
		return fmt.Sprintf(" (did you mean %q?)", best)
	}
	if len(allowed) <= 12 {
		return " (expected one of: " + strings.Join(allowed, ", ") + ")"
	}
	return " (see the Compose specification for the keys allowed here)"
}

// schemaSegments splits a dotted path into keys, using the files to tell
// dots inside names (service "api.v2") from separators.
func schemaSegments(path string, files []*configFile) []string {
	if path == "" {
		return nil
	}
	for _, f := range files {
		for _, d := range f.docs() {
			if _, _, segs, ok := walkDotted(d, path, nil); ok {
				return segs
			}
		}
	}
	return strings.Split(path, ".")
}

// allowedKeys walks the JSON schema along segs and lists the properties of
// the object found there, sorted.
func allowedKeys(segs []string) []string {
	var root map[string]any
	if err := json.Unmarshal([]byte(composeSchema()), &root); err != nil {
		return nil
	}
	node := resolve(root, root)
	for _, seg := range segs {
		node = resolve(root, next(node, seg))
		if node == nil {
			return nil
		}
	}
	props, _ := node["properties"].(map[string]any)
	keys := make([]string, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// next steps from an object schema into the schema of key seg.
func next(node map[string]any, seg string) map[string]any {
	if node == nil {
		return nil
	}
	if props, ok := node["properties"].(map[string]any); ok {
		if s, ok := props[seg].(map[string]any); ok {
			return s
		}
	}
	if pats, ok := node["patternProperties"].(map[string]any); ok {
		for pat, s := range pats {
			if re, err := regexp.Compile(pat); err == nil && re.MatchString(seg) {
				if m, ok := s.(map[string]any); ok {
					return m
				}
			}
		}
	}
	if items, ok := node["items"].(map[string]any); ok {
		return items
	}
	return nil
}

// resolve follows $ref and picks, among oneOf/anyOf/allOf alternatives, the
// first that describes an object, since unknown keys only exist in objects.
func resolve(root, node map[string]any) map[string]any {
	for depth := 0; node != nil && depth < 16; depth++ {
		if ref, ok := node["$ref"].(string); ok {
			node = lookupRef(root, ref)
			continue
		}
		if _, ok := node["properties"]; ok {
			return node
		}
		if _, ok := node["patternProperties"]; ok {
			return node
		}
		var alt map[string]any
		for _, k := range []string{"oneOf", "anyOf", "allOf"} {
			list, _ := node[k].([]any)
			for _, a := range list {
				m, _ := a.(map[string]any)
				if r := resolve(root, m); r != nil {
					alt = r
					break
				}
			}
			if alt != nil {
				break
			}
		}
		if alt == nil {
			return node
		}
		node = alt
	}
	return node
}

func lookupRef(root map[string]any, ref string) map[string]any {
	parts := strings.Split(strings.TrimPrefix(ref, "#/"), "/")
	var cur any = root
	for _, p := range parts {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[p]
	}
	m, _ := cur.(map[string]any)
	return m
}
