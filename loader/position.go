package loader

import (
	"bytes"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v4"
)

// Positions are looked up only on error paths: the compose files are
// parsed a second time, with YAML nodes, to find where a key is. The
// happy path never pays for it.

// docs parses f into YAML documents, once; a file that does not parse
// has no documents (its syntax error already carries a line).
func (f *configFile) docs() []*yaml.Node {
	if f.parsed {
		return f.nodes
	}
	f.parsed = true
	dec := yaml.NewDecoder(bytes.NewReader(f.content))
	for {
		var n yaml.Node
		if err := dec.Decode(&n); err != nil {
			break
		}
		f.nodes = append(f.nodes, &n)
	}
	return f.nodes
}

// locateAny finds the dotted key path in the first file that has it and
// returns that file's display name and the key's line and column.
func locateAny(files []*configFile, dotted string) (file string, line, col int) {
	return locate(files, dotted, false)
}

// locate is locateAny, pointing at the value rather than the key when
// value is set (an interpolation error is about the value).
func locate(files []*configFile, dotted string, value bool) (file string, line, col int) {
	if dotted == "" {
		return "", 0, 0
	}
	for _, f := range files {
		for _, d := range f.docs() {
			if key, val, _, ok := walkDotted(d, dotted, nil); ok {
				n := key
				if n == nil || value {
					n = val
				}
				return f.display, n.Line, n.Column
			}
		}
	}
	return "", 0, 0
}

// walkDotted follows a dotted path such as "services.web.ports.0" from n.
// Service and network names may contain dots, so at each mapping the
// longest key that prefixes the rest of the path wins. A "[]" segment
// (compose-go's "some list element") picks the first element that holds a
// variable reference, which is what interpolation errors are about.
// segs returns the path split into the keys actually matched.
func walkDotted(n *yaml.Node, rest string, segs []string) (key, val *yaml.Node, _ []string, ok bool) {
	n = deref(n)
	if n == nil {
		return nil, nil, segs, false
	}
	if rest == "" {
		return nil, n, segs, true
	}
	switch n.Kind {
	case yaml.MappingNode:
		best := -1
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i].Value
			if (rest == k || strings.HasPrefix(rest, k+".")) && (best < 0 || len(k) > len(n.Content[best].Value)) {
				best = i
			}
		}
		if best < 0 {
			return nil, nil, segs, false
		}
		k := n.Content[best].Value
		segs = append(segs, k)
		next := strings.TrimPrefix(rest[len(k):], ".")
		if next == "" {
			return n.Content[best], n.Content[best+1], segs, true
		}
		return walkDotted(n.Content[best+1], next, segs)
	case yaml.SequenceNode:
		seg, next, _ := strings.Cut(rest, ".")
		var elem *yaml.Node
		if seg == "[]" {
			for _, c := range n.Content {
				if holdsVariable(c) {
					elem = c
					break
				}
			}
		} else if i, err := strconv.Atoi(seg); err == nil && i >= 0 && i < len(n.Content) {
			elem = n.Content[i]
		}
		if elem == nil {
			return nil, nil, segs, false
		}
		segs = append(segs, seg)
		if next == "" {
			return nil, elem, segs, true
		}
		return walkDotted(elem, next, segs)
	}
	return nil, nil, segs, false
}

// child returns the key and value nodes of name in mapping n.
func child(n *yaml.Node, name string) (key, val *yaml.Node) {
	n = deref(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == name {
			return n.Content[i], n.Content[i+1]
		}
	}
	return nil, nil
}

func deref(n *yaml.Node) *yaml.Node {
	for n != nil {
		switch n.Kind {
		case yaml.DocumentNode:
			if len(n.Content) == 0 {
				return nil
			}
			n = n.Content[0]
		case yaml.AliasNode:
			n = n.Alias
		default:
			return n
		}
	}
	return nil
}

func holdsVariable(n *yaml.Node) bool {
	if n.Kind == yaml.ScalarNode {
		return strings.Contains(n.Value, "$")
	}
	for _, c := range n.Content {
		if holdsVariable(c) {
			return true
		}
	}
	return false
}
