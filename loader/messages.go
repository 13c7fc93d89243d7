package loader

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"

	"go.yaml.in/yaml/v4"
)

// compose-go words many of its errors for its own developers: Go parse
// errors, mapstructure paths, a value without the key it came from. reword
// recognises those (as worded by v2.14.0) and says instead where the value
// is, what is wrong with it and what to write. An error it does not
// recognise is left to explain's generic handling.

var (
	castErrRe   = lazyRegexp(`^error while interpolating ([^\s:]+): failed to cast to expected type: (.*)$`)
	decodeErrRe = lazyRegexp(`(?m)^'([^']+)' (.+)$`)
	portErrRe   = lazyRegexp(`^invalid (containerPort|hostPort|IP address|proto): (.*)$`)
	portRangeRe = lazyRegexp(`^invalid ranges specified for container and host Ports: (\S+) and (\S+)$`)
	portTarget  = lazyRegexp(`^service ports services\.(.+)\.ports\.\[(\d+)\] is missing a target port$`)
	tooManyRe   = lazyRegexp(`^invalid spec: (.+): too many colons$`)
	deviceErrRe = lazyRegexp(`^confusing device mapping, please use long syntax: (.+)$`)
	scaleNameRe = lazyRegexp(`^services\.scale: can't set container_name and (.+) as container name must be unique`)
	noImageRe   = lazyRegexp(`^service "([^"]+)" has neither an image nor a build context specified`)
	circularRe  = lazyRegexp(`(?m)^\s*(?:extends )?(\S+) in `)
)

const (
	portForm   = "[HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL]"
	sizeForm   = "use e.g. 512m, 1g"
	durationIn = "use e.g. 30s, 1m30s"
)

// reword returns a positioned, actionable version of err, or nil.
func reword(err error, msg string, files []*configFile) *Error {
	e := &Error{Err: ErrInvalid, Cause: err}
	var pathErr *fs.PathError
	switch {
	case errors.As(err, &pathErr) && errors.Is(err, fs.ErrNotExist):
		return missingReference(e, pathErr.Path, files)
	case castErrRe().MatchString(msg):
		m := castErrRe().FindStringSubmatch(msg)
		return badValue(e, files, m[1], castExpectation(m[1], m[2]))
	case strings.HasPrefix(msg, "decoding failed due to the following error(s):"):
		return decodeErrors(e, files, msg)
	case portErrRe().MatchString(msg):
		m := portErrRe().FindStringSubmatch(msg)
		why := map[string]string{"containerPort": "container port", "hostPort": "host port", "IP address": "host IP", "proto": "protocol"}[m[1]]
		return badPort(e, files, fmt.Sprintf("invalid %s %q", why, m[2]), func(v string) bool { return strings.Contains(v, m[2]) })
	case portRangeRe().MatchString(msg):
		m := portRangeRe().FindStringSubmatch(msg)
		return badPort(e, files, "the host and container ranges differ in length", func(v string) bool {
			return strings.Contains(v, m[1]) && strings.Contains(v, m[2])
		})
	case portTarget().MatchString(msg):
		m := portTarget().FindStringSubmatch(msg)
		e.Path = "services." + m[1] + ".ports." + m[2]
		e.Msg = fmt.Sprintf("services.%s.ports[%s]: no target port: add target: with the container port", m[1], m[2])
		e.File, e.Line, e.Column = locateAny(files, e.Path)
	case tooManyRe().MatchString(msg):
		v := tooManyRe().FindStringSubmatch(msg)[1]
		return badListItem(e, files, "volumes", v, "has too many colons: use SOURCE:TARGET[:MODE]")
	case deviceErrRe().MatchString(msg):
		v := deviceErrRe().FindStringSubmatch(msg)[1]
		return badListItem(e, files, "devices", v, "is ambiguous: use HOST_PATH[:CONTAINER_PATH[:PERMISSIONS]] or the long syntax")
	case scaleNameRe().MatchString(msg):
		return scaledContainerName(e, files, scaleNameRe().FindStringSubmatch(msg)[1])
	case noImageRe().MatchString(msg):
		name := noImageRe().FindStringSubmatch(msg)[1]
		e.Path = "services." + name
		e.Msg = fmt.Sprintf("service %q has neither image nor build: add image: to run an image, or build: to build one", name)
		e.File, e.Line, e.Column = locateAny(files, e.Path)
	case strings.HasPrefix(msg, "Circular reference:"):
		return extendsCycle(e, files, msg)
	default:
		return nil
	}
	if e.File == "" {
		e.File = displayNames(files)
	}
	return e
}

// castExpectation says what kind of value the key wanted, from the Go
// error of the cast that failed.
func castExpectation(path, cause string) string {
	switch {
	case strings.Contains(cause, "ParseFloat"):
		return "is not a number (use e.g. 0.5 or 2)"
	case strings.Contains(cause, "Atoi"), strings.Contains(cause, "ParseInt"), strings.Contains(cause, "ParseUint"):
		if strings.Contains(path, ".ulimits.") {
			return "is not a whole number (use e.g. 1024, or soft: and hard:)"
		}
		return "is not a whole number"
	case strings.Contains(cause, "boolean"):
		return "is not a boolean (use true or false)"
	}
	return "has the wrong type"
}

// decodeErrors rewords mapstructure's list of failed fields.
func decodeErrors(e *Error, files []*configFile, msg string) *Error {
	m := decodeErrRe().FindStringSubmatch(msg)
	if m == nil {
		return nil
	}
	path := strings.NewReplacer("[", ".", "]", "").Replace(m[1])
	what := "is not valid: " + m[2]
	switch {
	case strings.HasPrefix(m[2], "time: "):
		what = "is not a duration (" + durationIn + ")"
	case strings.HasPrefix(m[2], "invalid size"), strings.HasPrefix(m[2], "invalid suffix"):
		what = "is not a size (" + sizeForm + ")"
	}
	return badValue(e, files, path, what)
}

// badValue is "PATH: VALUE WHAT" at the value's position.
func badValue(e *Error, files []*configFile, path, what string) *Error {
	e.Path = path
	e.Msg = path + " " + what
	if f, _, val := nodeAt(files, path); f != nil {
		e.File, e.Line, e.Column = f.display, val.Line, val.Column
		if val.Kind == yaml.ScalarNode {
			e.Msg = fmt.Sprintf("%s: %q %s", path, val.Value, what)
		}
	} else {
		e.File = displayNames(files)
	}
	return e
}

// badPort finds the ports entry the message is about: the first whose
// text matches, else the first holding a variable (whose value was only
// known after interpolation).
func badPort(e *Error, files []*configFile, why string, match func(string) bool) *Error {
	item := findListItem(files, "ports", match)
	if item.node == nil {
		item = findListItem(files, "ports", func(v string) bool { return strings.Contains(v, "$") })
		why = "after interpolation: " + why
	}
	if item.node == nil {
		e.File = displayNames(files)
		e.Msg = fmt.Sprintf("invalid port mapping (%s): use %s", why, portForm)
		return e
	}
	e.Path = fmt.Sprintf("services.%s.ports.%d", item.service, item.index)
	e.File, e.Line, e.Column = item.file.display, item.node.Line, item.node.Column
	e.Msg = fmt.Sprintf("services.%s.ports[%d]: %q is not a valid port mapping (%s): use %s", item.service, item.index, item.node.Value, why, portForm)
	return e
}

// badListItem is a message about the entry of services.*.FIELD equal to v.
func badListItem(e *Error, files []*configFile, field, v, what string) *Error {
	item := findListItem(files, field, func(s string) bool { return s == v })
	if item.node == nil {
		e.File = displayNames(files)
		e.Msg = fmt.Sprintf("%s entry %q %s", field, v, what)
		return e
	}
	e.Path = fmt.Sprintf("services.%s.%s.%d", item.service, field, item.index)
	e.File, e.Line, e.Column = item.file.display, item.node.Line, item.node.Column
	e.Msg = fmt.Sprintf("services.%s.%s[%d]: %q %s", item.service, field, item.index, v, what)
	return e
}

// scaledContainerName explains container_name on a service run more than
// once; compose-go names only the service.
func scaledContainerName(e *Error, files []*configFile, service string) *Error {
	e.Path = "services." + service + ".container_name"
	for _, f := range files {
		for _, d := range f.docs() {
			_, services := child(d, "services")
			_, svc := child(services, service)
			k, v := child(svc, "container_name")
			if v == nil {
				continue
			}
			scale := "above 1"
			if _, s := child(svc, "scale"); s != nil {
				scale = s.Value
			} else if _, deploy := child(svc, "deploy"); deploy != nil {
				if _, r := child(deploy, "replicas"); r != nil {
					scale = r.Value
				}
			}
			e.File, e.Line, e.Column = f.display, k.Line, k.Column
			e.Msg = fmt.Sprintf("service %q: container_name %q cannot be used with scale %s (container names must be unique): remove container_name or set scale to 1", service, v.Value, scale)
			return e
		}
	}
	e.File = displayNames(files)
	e.Msg = fmt.Sprintf("service %q: container_name cannot be used with a scale above 1 (container names must be unique): remove container_name or set scale to 1", service)
	return e
}

// extendsCycle reports an extends cycle starting from its alphabetically
// first service, so that the message is the same on every run whichever
// service compose-go visited first.
func extendsCycle(e *Error, files []*configFile, msg string) *Error {
	var cycle []string
	for _, m := range circularRe().FindAllStringSubmatch(msg, -1) {
		cycle = append(cycle, m[1])
	}
	if len(cycle) > 1 && cycle[0] == cycle[len(cycle)-1] {
		cycle = cycle[:len(cycle)-1]
	}
	if len(cycle) == 0 {
		return nil
	}
	first := slices.Index(cycle, slices.Min(cycle))
	cycle = append(cycle[first:], cycle[:first]...)
	cycle = append(cycle, cycle[0])
	e.Path = "services." + cycle[0] + ".extends"
	e.File, e.Line, e.Column = locateAny(files, e.Path)
	if e.File == "" {
		e.File = displayNames(files)
	}
	e.Msg = fmt.Sprintf("service %q: extends cycle: %s: remove one of these extends", cycle[0], strings.Join(cycle, " -> "))
	return e
}

// missingReference names the extends or include entry that points at a
// file that does not exist.
func missingReference(e *Error, path string, files []*configFile) *Error {
	for _, f := range files {
		base := filepath.Dir(f.path)
		for _, d := range f.docs() {
			_, services := child(d, "services")
			for _, name := range mappingKeys(services) {
				_, svc := child(services, name)
				_, ext := child(svc, "extends")
				_, file := child(ext, "file")
				if file != nil && file.Kind == yaml.ScalarNode && absFrom(base, file.Value) == path {
					e.Path = "services." + name + ".extends.file"
					e.File, e.Line, e.Column = f.display, file.Line, file.Column
					e.Msg = fmt.Sprintf("service %q: extends file %s does not exist: create it or fix the path", name, file.Value)
					return e
				}
			}
			_, include := child(d, "include")
			if n := includeEntry(include, base, path); n != nil {
				e.Path = "include"
				e.File, e.Line, e.Column = f.display, n.Line, n.Column
				e.Msg = fmt.Sprintf("include %s: file does not exist: create it or fix the path", n.Value)
				return e
			}
		}
	}
	return nil
}

// includeEntry finds the include item (a path, or a mapping whose path is
// one or a list) that resolves to path.
func includeEntry(include *yaml.Node, base, path string) *yaml.Node {
	include = deref(include)
	if include == nil || include.Kind != yaml.SequenceNode {
		return nil
	}
	for _, item := range include.Content {
		item = deref(item)
		if item == nil {
			continue
		}
		candidates := []*yaml.Node{item}
		if item.Kind == yaml.MappingNode {
			_, p := child(item, "path")
			candidates = []*yaml.Node{deref(p)}
			if p = deref(p); p != nil && p.Kind == yaml.SequenceNode {
				candidates = p.Content
			}
		}
		for _, c := range candidates {
			if c != nil && c.Kind == yaml.ScalarNode && absFrom(base, c.Value) == path {
				return c
			}
		}
	}
	return nil
}

// listItem is one entry of a service's list, such as ports[2].
type listItem struct {
	file    *configFile
	service string
	index   int
	node    *yaml.Node
}

// findListItem returns the first scalar entry of services.*.FIELD that
// match accepts, services taken in file and then name order.
func findListItem(files []*configFile, field string, match func(string) bool) listItem {
	for _, f := range files {
		for _, d := range f.docs() {
			_, services := child(d, "services")
			for _, name := range mappingKeys(services) {
				_, svc := child(services, name)
				_, list := child(svc, field)
				if list = deref(list); list == nil || list.Kind != yaml.SequenceNode {
					continue
				}
				for i, item := range list.Content {
					if item = deref(item); item != nil && item.Kind == yaml.ScalarNode && match(item.Value) {
						return listItem{file: f, service: name, index: i, node: item}
					}
				}
			}
		}
	}
	return listItem{}
}

// nodeAt returns the file and key and value nodes of a dotted path.
func nodeAt(files []*configFile, dotted string) (f *configFile, key, val *yaml.Node) {
	for _, f := range files {
		for _, d := range f.docs() {
			if k, v, _, ok := walkDotted(d, dotted, nil); ok {
				return f, k, v
			}
		}
	}
	return nil, nil, nil
}

// mappingKeys lists the keys of mapping n, sorted.
func mappingKeys(n *yaml.Node) []string {
	n = deref(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	keys := make([]string, 0, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		keys = append(keys, n.Content[i].Value)
	}
	slices.Sort(keys)
	return keys
}

// namedSections are the top-level keys whose keys are names, which the
// schema restricts to ^[a-zA-Z0-9._-]+$: an "unknown key" there is an
// invalid name.
var namedSections = map[string]string{
	"services": "service", "networks": "network", "volumes": "volume",
	"secrets": "secret", "configs": "config", "models": "model",
}

// typeWording fixes the schema validator's type messages, which name the
// last alternative tried ("must be a null") in its own vocabulary
// ("array", "object").
func typeWording(path, msg string) string {
	if strings.HasSuffix(msg, " must be a null") {
		switch path[strings.LastIndex(path, ".")+1:] {
		case "command", "entrypoint":
			return path + " must be a string or a list of strings"
		}
		return path + " has the wrong type: see the Compose specification for this key"
	}
	return strings.NewReplacer(" must be a array", " must be a list", " must be a object", " must be a mapping").Replace(msg)
}
