package loader

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/schema"
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
	if err := json.Unmarshal([]byte(schema.Schema), &root); err != nil {
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

// closest returns the candidate nearest to s by edit distance, if it is
// near enough to be a plausible typo.
func closest(s string, candidates []string) string {
	best, bestDist := "", len(s)/3+2
	for _, c := range candidates {
		if d := editDistance(s, c); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// editDistance is the optimal string alignment distance: insertions,
// deletions, substitutions and adjacent transpositions ("wbe" → "web") each
// cost one, the common typos.
func editDistance(a, b string) int {
	rows := make([][]int, len(a)+1)
	for i := range rows {
		rows[i] = make([]int, len(b)+1)
		rows[i][0] = i
	}
	for j := range rows[0] {
		rows[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d := min(rows[i-1][j]+1, rows[i][j-1]+1, rows[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d = min(d, rows[i-2][j-2]+1)
			}
			rows[i][j] = d
		}
	}
	return rows[len(a)][len(b)]
}

// warmSchema compiles compose's JSON schema in the background. compose-go
// compiles it on first use, once per process, and on a cold load that
// compile is about a third of the work: done now, it overlaps reading,
// guarding and parsing the files on the other core instead of following
// them. compose-go's own Validate call then waits for it. Nothing calls this
// on a cache hit, which needs no schema.
func warmSchema() {
	go func() {
		// The empty document is valid; the result is of no interest,
		// only the compiled schema it leaves behind.
		_ = schema.Validate(map[string]any{})
	}()
}
