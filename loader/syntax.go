package loader

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v4"
)

// YAML syntax errors come from compose-go's parser (go.yaml.in/yaml/v4) as
// text. These functions move the position to the front, drop the parser's
// bookkeeping and, for the common mistakes, say what to do.

// constructPrefix starts the errors found while building the tree (after
// scanning): each follows on its own line behind a meaningless
// "line 1: " of the document.
const constructPrefix = "yaml: construct errors:\n"

var (
	constructLineRe = lazyRegexp(`^line \d+: `)
	nodeLimitRe     = lazyRegexp(`maximum node visit limit \((\d+)\)`)
)

// lineOffset works around go.yaml.in/yaml/v4 v4.0.0-rc.4 (compose-go
// v2.14.0's parser): its scanner errors count lines from 1 but its parser
// errors from 0. The type is internal, so it is recognised by name.
func lineOffset(err error) int {
	for e := err; e != nil; e = errors.Unwrap(e) {
		t := reflect.TypeOf(e)
		if t.Name() == "ParserError" && strings.HasPrefix(t.PkgPath(), "go.yaml.in/yaml/v4") {
			return 1
		}
	}
	return 0
}

func syntaxError(cause error, f *configFile, yamlMsg string, offset int) error {
	if rest, ok := strings.CutPrefix(yamlMsg, constructPrefix); ok {
		return constructErrors(cause, f, rest)
	}
	if offset != 0 {
		yamlMsg = yamlLineRe().ReplaceAllStringFunc(yamlMsg, func(s string) string {
			n, _ := strconv.Atoi(strings.TrimPrefix(s, "line "))
			return "line " + strconv.Itoa(n+offset)
		})
	}
	e := &Error{Msg: strings.TrimPrefix(yamlMsg, "yaml: "), Err: ErrSyntax, Cause: cause}
	if f != nil {
		e.File = f.display
	}
	marks := yamlMarkRe().FindAllStringSubmatchIndex(yamlMsg, -1)
	if len(marks) == 0 {
		return e
	}
	last := marks[len(marks)-1]
	e.Line, _ = strconv.Atoi(yamlMsg[last[2]:last[3]])
	if last[4] >= 0 {
		e.Column, _ = strconv.Atoi(yamlMsg[last[4]:last[5]])
	}
	e.Msg = yamlMsg[last[1]:]
	if col := tabIndent(f, e.Line); col > 0 {
		// The scanner only says it "cannot start any token".
		e.Column = col
		e.Msg = "tabs are not allowed for indentation: indent with spaces"
		return e
	}
	// yaml's context ("while parsing a block mapping at line 1, column 1")
	// comes before the position; keep it after the message. A context that
	// ends in "at" pointed at the position just moved to the front.
	ctx := strings.TrimSuffix(strings.TrimPrefix(yamlMsg[:last[0]], "yaml: "), ": ")
	ctx = strings.TrimSuffix(strings.TrimSuffix(ctx, " at"), " at ")
	if ctx != "" {
		e.Msg += " (" + ctx + ")"
	}
	return e
}

// constructErrors turns the parser's list of construct errors into one
// positioned error each.
func constructErrors(cause error, f *configFile, list string) error {
	var errs []error
	for line := range strings.Lines(list) {
		msg := strings.TrimSpace(line)
		msg = constructLineRe().ReplaceAllString(msg, "")
		msg = strings.TrimPrefix(msg, "yaml: ")
		if msg == "" {
			continue
		}
		e := &Error{Msg: msg, Err: ErrSyntax, Cause: cause}
		if f != nil {
			e.File = f.display
		}
		if m := yamlMarkRe().FindStringSubmatchIndex(msg); m != nil && m[0] == 0 {
			e.Line, _ = strconv.Atoi(msg[m[2]:m[3]])
			e.Msg = msg[m[1]:]
		}
		switch {
		case strings.Contains(e.Msg, "already defined at line"):
			e.Msg += ": remove or rename one of them"
		case strings.HasPrefix(e.Msg, "map merge requires"):
			e.Msg = "merge key << needs a mapping, an alias of one or a list of them: fix its value"
			if n := badMerge(f); n != nil {
				e.Line, e.Column = n.Line, n.Column
			}
		case strings.Contains(e.Msg, "excessive aliasing"):
			e.Msg = `YAML aliases expand too much (a "billion laughs" document?): refusing to load`
		case nodeLimitRe().MatchString(e.Msg):
			limit := nodeLimitRe().FindStringSubmatch(e.Msg)[1]
			e.Msg = fmt.Sprintf("the file holds more than %s YAML nodes, more than the YAML parser accepts: split it up with include", limit)
		}
		errs = append(errs, e)
	}
	if len(errs) == 0 {
		return &Error{File: fileDisplay(f), Msg: "invalid YAML", Err: ErrSyntax, Cause: cause}
	}
	return errors.Join(errs...)
}

func fileDisplay(f *configFile) string {
	if f == nil {
		return ""
	}
	return f.display
}

// tabIndent returns the column of a tab in the indentation of line, or 0.
func tabIndent(f *configFile, line int) int {
	if f == nil || line < 1 {
		return 0
	}
	lines := bytes.Split(f.content, []byte("\n"))
	if line > len(lines) {
		return 0
	}
	text := lines[line-1]
	indent := text[:len(text)-len(bytes.TrimLeft(text, " \t"))]
	return bytes.IndexByte(indent, '\t') + 1
}

// badMerge finds the first << key whose value cannot be merged.
func badMerge(f *configFile) *yaml.Node {
	if f == nil {
		return nil
	}
	var find func(n *yaml.Node) *yaml.Node
	find = func(n *yaml.Node) *yaml.Node {
		if n == nil || n.Kind == yaml.AliasNode {
			return nil
		}
		if n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(n.Content); i += 2 {
				k := n.Content[i]
				quoted := k.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0
				if k.Value == "<<" && !quoted && !mergeable(n.Content[i+1]) {
					return k
				}
			}
		}
		for _, c := range n.Content {
			if b := find(c); b != nil {
				return b
			}
		}
		return nil
	}
	for _, d := range f.docs() {
		if n := find(d); n != nil {
			return n
		}
	}
	return nil
}

// mergeable reports whether v can follow <<: a mapping, or a list of them,
// directly or through aliases.
func mergeable(v *yaml.Node) bool {
	v = deref(v)
	switch {
	case v == nil:
		return false
	case v.Kind == yaml.MappingNode:
		return true
	case v.Kind == yaml.SequenceNode:
		for _, c := range v.Content {
			if c = deref(c); c == nil || c.Kind != yaml.MappingNode {
				return false
			}
		}
		return true
	}
	return false
}
