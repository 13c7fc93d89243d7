package reconcile

import (
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
)

// minSensitive is the shortest value treated as sensitive. Shorter ones
// ("1", "db", "yes") occur everywhere by chance, so matching them would
// hide nearly every value, and a secret that short protects little.
const minSensitive = 4

// sensitive is the set of strings no plan may show: the values of every
// service's environment (env_file entries included), of the environment
// the project was interpolated from (which holds the .env file and the
// shell's variables), and the contents of inline secrets and configs.
// Values a plan does show (command, entrypoint, labels) are checked
// against it and hidden whole when they contain one.
type sensitive struct {
	values []string
}

func sensitiveValues(p *types.Project) sensitive {
	var out []string
	add := func(v string) {
		if len(v) >= minSensitive {
			out = append(out, v)
		}
	}
	for _, v := range p.Environment {
		add(v)
	}
	for _, s := range p.Services {
		for _, v := range s.Environment {
			if v != nil {
				add(*v)
			}
		}
	}
	for _, s := range p.Secrets {
		add(s.Content)
	}
	for _, c := range p.Configs {
		add(c.Content)
	}
	slices.Sort(out)
	return sensitive{values: slices.Compact(out)}
}

// in reports whether text contains a sensitive value.
func (s sensitive) in(text string) bool {
	return slices.ContainsFunc(s.values, func(v string) bool { return strings.Contains(text, v) })
}
