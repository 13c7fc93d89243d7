package loader

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
	"go.yaml.in/yaml/v4"
)

// namespaceFields are the keys that can name another service as
// "service:NAME"; compose-go turns each into an implicit depends_on.
var namespaceFields = []string{"network_mode", "pid", "ipc", "uts", "cgroup"}

// checkReferences reports every reference to a service that is missing or
// disabled, sorted by service and target, with the key that made it and
// its position. compose-go folds links, volumes_from and `service:` modes
// into depends_on and reports only the first problem it meets, in map
// order; this gives all of them, always in the same order.
func checkReferences(p *types.Project, files []*configFile) error {
	var errs []error
	names := mapKeys(p.AllServices())
	for _, name := range p.ServiceNames() {
		s := p.Services[name]
		for _, dep := range slices.Sorted(maps.Keys(s.DependsOn)) {
			if _, ok := p.Services[dep]; ok {
				continue
			}
			disabled, isDisabled := p.DisabledServices[dep]
			if isDisabled && !s.DependsOn[dep].Required {
				continue
			}
			field := referenceField(s, dep, files)
			e := &Error{Path: "services." + name + "." + field, Err: ErrUnknownService}
			if isDisabled {
				e.Msg = fmt.Sprintf("service %q: %s %q: that service is disabled by its profiles (%s): enable one with --profile",
					name, field, dep, strings.Join(disabled.Profiles, ", "))
			} else {
				e.Msg = fmt.Sprintf("service %q: %s %q: no such service%s", name, field, dep, didYouMean(dep, names))
			}
			e.File, e.Line, e.Column, _ = locateRef(files, name, field, dep)
			errs = append(errs, e)
		}
	}
	return errors.Join(errs...)
}

// referenceField says which key of s names dep. An explicit depends_on
// wins, as compose-go adds implicit entries only when there is none.
func referenceField(s types.ServiceConfig, dep string, files []*configFile) string {
	if _, _, _, ok := locateRef(files, s.Name, "depends_on", dep); ok {
		return "depends_on"
	}
	for _, l := range s.Links {
		if target, _, _ := strings.Cut(l, ":"); target == dep {
			return "links"
		}
	}
	for _, v := range s.VolumesFrom {
		if target, _, _ := strings.Cut(v, ":"); target == dep {
			return "volumes_from"
		}
	}
	modes := map[string]string{"network_mode": s.NetworkMode, "pid": s.Pid, "ipc": s.Ipc, "uts": s.Uts, "cgroup": s.Cgroup}
	for _, f := range namespaceFields {
		if modes[f] == types.ServicePrefix+dep {
			return f
		}
	}
	return "depends_on"
}

// locateRef finds where services.<service>.<field> names target: a key of
// a mapping, an item of a list ("db" or "db:alias"), or "service:db".
func locateRef(files []*configFile, service, field, target string) (file string, line, col int, ok bool) {
	for _, f := range files {
		for _, d := range f.docs() {
			_, services := child(d, "services")
			_, svc := child(services, service)
			_, val := child(svc, field)
			if n := refNode(deref(val), target); n != nil {
				return f.display, n.Line, n.Column, true
			}
		}
	}
	return "", 0, 0, false
}

func refNode(val *yaml.Node, target string) *yaml.Node {
	if val == nil {
		return nil
	}
	switch val.Kind {
	case yaml.MappingNode:
		if k, _ := child(val, target); k != nil {
			return k
		}
	case yaml.SequenceNode:
		for _, item := range val.Content {
			if name, _, _ := strings.Cut(item.Value, ":"); item.Kind == yaml.ScalarNode && name == target {
				return item
			}
		}
	case yaml.ScalarNode:
		if val.Value == types.ServicePrefix+target {
			return val
		}
	}
	return nil
}

// didYouMean suggests the closest name, or lists them when there are few.
func didYouMean(name string, names []string) string {
	if best := closest(name, names); best != "" {
		return fmt.Sprintf(" (did you mean %q?)", best)
	}
	if len(names) > 0 && len(names) <= 8 {
		return " (services: " + strings.Join(names, ", ") + ")"
	}
	return ""
}

func mapKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}

// checkContainerNames reports container_name values shared by services,
// naming the services in sorted order. compose-go's own check reports the
// clash on whichever service its map order visits second.
func checkContainerNames(p *types.Project, files []*configFile) error {
	users := map[string][]string{}
	for _, name := range p.ServiceNames() {
		if c := p.Services[name].ContainerName; c != "" {
			users[c] = append(users[c], name)
		}
	}
	var errs []error
	for _, c := range mapKeys(users) {
		names := users[c]
		if len(names) < 2 {
			continue
		}
		quoted := make([]string, len(names))
		for i, n := range names {
			quoted[i] = strconv.Quote(n)
		}
		e := &Error{
			Path: "services." + names[1] + ".container_name",
			Msg: fmt.Sprintf("services %s all use container_name %q (container names must be unique): rename all but one",
				strings.Join(quoted, ", "), c),
			Err: ErrInvalid,
		}
		if len(names) == 2 {
			e.Msg = fmt.Sprintf("services %s and %s both use container_name %q (container names must be unique): rename one",
				quoted[0], quoted[1], c)
		}
		e.File, e.Line, e.Column = locateAny(files, e.Path)
		if e.File == "" {
			e.File = displayNames(files)
		}
		errs = append(errs, e)
	}
	return errors.Join(errs...)
}
