//go:build !berthfront

package loader

import (
	"slices"
	"strings"

	"go.yaml.in/yaml/v4"
)

// Most edits between two ups change a value: an image tag, an environment
// variable, a label. For those the splice skips compose-go's schema check
// of the reduced file, whose compile alone (about 10 ms of CPU in a fresh
// process) was the longest step of an up after such an edit.
//
// Skipping it is safe only where the check could not fail. The base's file
// passed it, the frame and the other services are unchanged, so only a
// changed service's text could make it fail. It cannot when that text
// differs from the base's only in scalars at the places below, where the
// schema takes any value of the scalar's YAML type, and every variable the
// service read in the base still has the value it had (the splice checks
// that): then what the check sees is what it passed, but for values it
// accepts whatever they are. Anything else, a key added, a list grown, a
// port or a duration changed, is checked as before.

// step is one step down a service's YAML: a mapping's key, or any item of
// a sequence.
type step struct {
	key  string
	item bool
}

// freeScalar reports whether the compose schema takes any scalar with YAML
// tag tag at path, a path within a service. TestFreeScalarsMatchSchema
// checks each place against compose-go's schema.
func freeScalar(path []step, tag string) bool {
	const (
		str  = "!!str"
		num  = "!!int"
		yes  = "!!bool"
		null = "!!null"
	)
	// !!float is left out: NaN and the infinities are YAML floats, and the
	// check, which goes through JSON, refuses them.
	if len(path) == 0 || path[0].item {
		return false
	}
	top := path[0].key
	var tags []string
	switch {
	case len(path) == 1 && top == "image":
		tags = []string{str}
	case len(path) == 1 && (top == "command" || top == "entrypoint"):
		tags = []string{str, null}
	case len(path) == 2 && path[1].item && (top == "command" || top == "entrypoint"):
		tags = []string{str}
	case len(path) == 2 && !path[1].item && (top == "environment" || top == "labels" || top == "annotations"):
		// Only the mapping form: the list form wants unique items, which
		// a changed item may break.
		tags = []string{str, num, yes, null}
	}
	return slices.Contains(tags, tag)
}

// valueEdit reports whether the service text edited differs from old only
// in free scalars (see freeScalar). Both are a service's text as cut from
// its file: its key and the lines under it.
func valueEdit(old, edited []byte) bool {
	o, ok := serviceNode(old)
	if !ok {
		return false
	}
	n, ok := serviceNode(edited)
	return ok && sameButFree(o, n, nil)
}

// serviceNode parses a service's text on its own and returns the service's
// value.
func serviceNode(text []byte) (*yaml.Node, bool) {
	var doc yaml.Node
	if err := yaml.Unmarshal(text, &doc); err != nil || doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return nil, false
	}
	m := doc.Content[0]
	if m.Kind != yaml.MappingNode || len(m.Content) != 2 {
		return nil, false
	}
	return m.Content[1], true
}

// sameButFree compares o and n, the nodes at path, ignoring the values of
// free scalars. Kinds, keys, lengths, tags and the other scalars must match,
// but for a free scalar's tag; an anchor, an alias or a tag of compose's own
// (!reset, !override) fails the comparison.
func sameButFree(o, n *yaml.Node, path []step) bool {
	free := n.Kind == yaml.ScalarNode && freeScalar(path, n.ShortTag())
	switch {
	case o.Kind != n.Kind, o.Tag != n.Tag && !free,
		o.Anchor != "" || n.Anchor != "",
		!strings.HasPrefix(o.ShortTag(), "!!") || !strings.HasPrefix(n.ShortTag(), "!!"):
		return false
	}
	switch n.Kind {
	case yaml.ScalarNode:
		// The style too: compose-go reads the file with another YAML
		// library, which need not type a plain scalar as this one does.
		return free || o.Value == n.Value && o.Style == n.Style
	case yaml.MappingNode:
		if len(o.Content) != len(n.Content) {
			return false
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			ok, nk := o.Content[i], n.Content[i]
			if ok.Kind != yaml.ScalarNode || nk.Kind != yaml.ScalarNode || ok.Value != nk.Value || ok.Tag != nk.Tag {
				return false
			}
			if !sameButFree(o.Content[i+1], n.Content[i+1], append(slices.Clip(path), step{key: nk.Value})) {
				return false
			}
		}
		return true
	case yaml.SequenceNode:
		if len(o.Content) != len(n.Content) {
			return false
		}
		for i := range n.Content {
			if !sameButFree(o.Content[i], n.Content[i], append(slices.Clip(path), step{item: true})) {
				return false
			}
		}
		return true
	}
	return false
}
