package loader

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"

	"go.yaml.in/yaml/v4"
)

// compose-go's YAML parser stops plain "billion laughs" documents, but it
// expands merge keys (<<: *anchor) without that limit, so a few lines of
// nested merges exhaust memory. guardFile refuses such documents before
// compose-go sees them: compose-go's own YAML library parses the file into
// nodes, which leaves aliases unexpanded, and the walk below counts what
// expanding them would produce, each anchor's size computed once. It also
// refuses nesting that no compose file needs, which the parser would
// otherwise report in terms of its own internals.
//
// The guard runs only when compose-go is about to parse the bytes, never on
// a cache hit.

const (
	// maxAliasNodes bounds the nodes that aliases (and merge keys) may
	// add to a document. Real files add a few thousand at most.
	maxAliasNodes = 1_000_000
	// maxNesting bounds how deep mappings and sequences may nest. Compose
	// files rarely go beyond 10 levels.
	maxNesting = 1000
	// guardAlwaysBelow is the size under which every file is checked. A
	// larger file is checked only when it holds an alias ("*"): parsing
	// it twice costs about 80 ms per MB, and without aliases its size is
	// bounded by its bytes, its depth by the parser's own limit.
	guardAlwaysBelow = 1 << 20
)

// yamlDepthRe matches the YAML parser's own nesting limit (10000 levels),
// reached before the tree exists for the walk to measure. The line that
// went too deep is the last one the message names: "yaml: while increasing
// indent level at line 1: line 2, column 20001: exceeded max depth of
// 10000", or "yaml: while increasing flow level at line 2, column 10004:
// ..." for flow collections.
var yamlDepthRe = lazyRegexp(`^yaml: .*\bline (\d+)(?:, column \d+)?: exceeded max depth`)

// guardFiles checks every compose file; see guardFile.
func guardFiles(files []*configFile) error {
	for _, f := range files {
		if err := guardFile(f); err != nil {
			return err
		}
	}
	return nil
}

// guardFile refuses f when its aliases expand to more than maxAliasNodes
// nodes or it nests deeper than maxNesting. A file the parser cannot read
// passes: compose-go reports its syntax error with the usual message.
func guardFile(f *configFile) error {
	small := len(f.content) < guardAlwaysBelow
	if !small && !bytes.Contains(f.content, []byte("*")) {
		return nil
	}
	var docs []*yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(f.content))
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if err != nil {
			if m := yamlDepthRe().FindStringSubmatch(err.Error()); m != nil {
				line, _ := strconv.Atoi(m[1])
				return nestingError(f, line)
			}
			break
		}
		docs = append(docs, &n)
	}
	if small {
		// The error paths parse the files again to find positions;
		// small trees are kept for them.
		f.nodes, f.parsed = docs, true
	}
	w := expansion{memo: map[*yaml.Node]size{}, busy: map[*yaml.Node]bool{}}
	for _, d := range docs {
		if err := w.check(f, d); err != nil {
			return err
		}
	}
	return nil
}

func nestingError(f *configFile, line int) error {
	return &Error{
		File: f.display, Line: line, Err: ErrInvalid,
		Msg: fmt.Sprintf("YAML nesting is deeper than %d levels: refusing to load; flatten this value", maxNesting),
	}
}

// size is what a node becomes once its aliases are expanded.
type size struct {
	nodes uint64 // nodes, itself included
	depth int    // levels of mappings and sequences, itself included
}

// expansion measures nodes, memoising anchored ones so that each anchor is
// measured once however often it is used.
type expansion struct {
	memo map[*yaml.Node]size
	busy map[*yaml.Node]bool // anchors being measured, to catch self-reference
	// added counts the nodes aliases contribute; the walk stops as soon
	// as it passes maxAliasNodes.
	added uint64
}

// walkStop stops the walk at a node; check turns it into a positioned
// error.
type walkStop struct {
	at  *yaml.Node
	msg string
}

func (s *walkStop) Error() string { return s.msg }

func (w *expansion) check(f *configFile, doc *yaml.Node) error {
	// compose-go dereferences nil when the whole document is reset (found
	// by FuzzLoad): say what is wrong instead.
	if doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 && doc.Content[0].Tag == "!reset" {
		root := doc.Content[0]
		return &Error{File: f.display, Line: root.Line, Column: root.Column, Err: ErrInvalid,
			Msg: "the whole document is tagged !reset: put !reset on the key to clear (e.g. ports: !reset []), not on the file"}
	}
	_, err := w.measure(doc, 0)
	var stop *walkStop
	if !errors.As(err, &stop) {
		return err
	}
	return &Error{File: f.display, Line: stop.at.Line, Column: stop.at.Column, Err: ErrInvalid, Msg: stop.msg}
}

// measure returns n's expanded size. depth is how deep n sits.
func (w *expansion) measure(n *yaml.Node, depth int) (size, error) {
	if s, ok := w.memo[n]; ok {
		if depth+s.depth > maxNesting {
			return size{}, w.tooDeep(n)
		}
		return s, nil
	}
	switch n.Kind {
	case yaml.AliasNode:
		target := n.Alias
		if target == nil {
			return size{nodes: 1}, nil
		}
		if w.busy[target] {
			return size{}, &walkStop{at: n, msg: fmt.Sprintf("YAML alias *%s is used inside its own anchor &%s: refusing to load; remove the alias", n.Value, target.Anchor)}
		}
		s, err := w.measure(target, depth)
		if err != nil {
			return size{}, err
		}
		w.added += s.nodes
		if w.added > maxAliasNodes {
			return size{}, &walkStop{at: n, msg: fmt.Sprintf(`YAML aliases expand to more than %d nodes (a "billion laughs" document?): refusing to load`, maxAliasNodes)}
		}
		return s, nil
	case yaml.MappingNode, yaml.SequenceNode:
		depth++
		if depth > maxNesting {
			return size{}, w.tooDeep(n)
		}
	}
	if n.Anchor != "" {
		w.busy[n] = true
		defer delete(w.busy, n)
	}
	s := size{nodes: 1}
	for _, c := range n.Content {
		cs, err := w.measure(c, depth)
		if err != nil {
			return size{}, err
		}
		s.nodes += cs.nodes
		s.depth = max(s.depth, cs.depth)
	}
	if n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode {
		s.depth++
	}
	if n.Anchor != "" {
		w.memo[n] = s
	}
	return s, nil
}

func (w *expansion) tooDeep(n *yaml.Node) error {
	return &walkStop{at: n, msg: fmt.Sprintf("YAML nesting is deeper than %d levels: refusing to load; flatten this value", maxNesting)}
}
