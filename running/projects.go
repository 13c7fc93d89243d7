package running

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/berth-dev/berth/engine"
)

// Project is one line of `ls`. The field names are compose's JSON keys.
type Project struct {
	Name        string
	Status      string // e.g. "exited(1), running(2)"
	ConfigFiles string // the config_files labels' files, once each, comma-separated
}

// Projects groups containers by their project label, sorted by name. A
// container without the label is skipped: it belongs to no project.
func Projects(cs []engine.Container) []Project {
	byName := map[string][]engine.Container{}
	for _, c := range cs {
		if name, ok := c.Labels[engine.LabelProject]; ok {
			byName[name] = append(byName[name], c)
		}
	}
	out := make([]Project, 0, len(byName))
	for _, name := range slices.Sorted(maps.Keys(byName)) {
		members := byName[name]
		out = append(out, Project{Name: name, Status: combinedStatus(members), ConfigFiles: configFiles(members)})
	}
	return out
}

// combinedStatus counts containers per state, states in name order.
func combinedStatus(cs []engine.Container) string {
	count := map[string]int{}
	for _, c := range cs {
		count[c.State]++
	}
	var parts []string
	for _, st := range slices.Sorted(maps.Keys(count)) {
		parts = append(parts, fmt.Sprintf("%s(%d)", st, count[st]))
	}
	return strings.Join(parts, ", ")
}

// configFiles joins the containers' config files in the order first met;
// "N/A" when a container lacks the label, as compose prints it.
func configFiles(cs []engine.Container) string {
	var files []string
	for _, c := range cs {
		v, ok := c.Labels[engine.LabelConfigFiles]
		if !ok {
			return "N/A"
		}
		for _, f := range strings.Split(v, ",") {
			if !slices.Contains(files, f) {
				files = append(files, f)
			}
		}
	}
	return strings.Join(files, ",")
}

// NameFilter keeps projects whose name equals one of its values or matches
// one as a regular expression, as compose's `ls --filter name=` does.
type NameFilter []string

// ParseFilters reads `--filter KEY=VALUE` flags; only name is known.
func ParseFilters(flags []string) (NameFilter, error) {
	var out NameFilter
	for _, f := range flags {
		key, val, ok := strings.Cut(f, "=")
		if !ok {
			return nil, fmt.Errorf("--filter %q: want name=VALUE", f)
		}
		if strings.ToLower(strings.TrimSpace(key)) != "name" {
			return nil, fmt.Errorf("--filter %q: invalid filter %q, only name is supported", f, key)
		}
		out = append(out, val)
	}
	return out, nil
}

// Apply returns the projects f keeps; an empty filter keeps all.
func (f NameFilter) Apply(ps []Project) []Project {
	if len(f) == 0 {
		return ps
	}
	out := []Project{}
	for _, p := range ps {
		if f.match(p.Name) {
			out = append(out, p)
		}
	}
	return out
}

func (f NameFilter) match(name string) bool {
	for _, v := range f {
		if v == name {
			return true
		}
		// compose skips a value that is no valid expression.
		if ok, err := regexp.MatchString(v, name); err == nil && ok {
			return true
		}
	}
	return false
}
