package integration

import (
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth-dev/berth/engine"
)

// TestDryRunChangesNothing: --dry-run plans and prints, and the daemon sees
// no change at all, although the plans it prints are not empty.
func TestDryRunChangesNothing(t *testing.T) {
	t.Parallel()
	s := newStack(t, `
services:
  db:
    image: @IMAGE@
    volumes:
      - data:/data
  web:
    image: @IMAGE@
    environment:
      COLOUR: red
    depends_on: [db]
volumes:
  data: {}
`)
	s.mustBerth("up", "-d")
	s.wantConverged(replicas{"db": 1, "web": 1})

	// Give up something to do: web's environment changes, a service is new.
	s.write("compose.yaml", `
services:
  db:
    image: @IMAGE@
    volumes:
      - data:/data
  web:
    image: @IMAGE@
    environment:
      COLOUR: blue
    depends_on: [db]
  extra:
    image: @IMAGE@
volumes:
  data: {}
`)
	vol := s.project + "_data"
	cases := []struct {
		args []string
		// mentions are what the printed plan must name, so that a dry run
		// that planned nothing cannot pass.
		mentions []string
	}{
		{[]string{"--dry-run", "up", "-d"}, []string{s.name("web", 1), s.name("extra", 1)}},
		{[]string{"up", "-d", "--dry-run"}, []string{s.name("web", 1), s.name("extra", 1)}},
		{[]string{"--dry-run", "down", "-v"}, []string{s.name("db", 1), s.name("web", 1), s.project + "_default", vol}},
		{[]string{"--dry-run", "rm", "-f", "-s", "-v"}, []string{s.name("db", 1), s.name("web", 1)}},
		{[]string{"--dry-run", "stop"}, []string{s.name("db", 1), s.name("web", 1)}},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			before := s.snapshot()
			r := s.mustBerth(c.args...)
			for _, m := range c.mentions {
				if !strings.Contains(r.output(), m) {
					t.Errorf("berth %s output does not name %s\n%v", strings.Join(c.args, " "), m, r)
				}
			}
			if diff := cmp.Diff(before, s.snapshot()); diff != "" {
				t.Errorf("berth %s changed the daemon's state (-before +after):\n%s", strings.Join(c.args, " "), diff)
			}
		})
	}
}

// snapshot describes, one sorted line each, every container, network and
// volume that carries the project's label or name: IDs, names, state, and
// when each container last started and stopped (a restart keeps ID and
// state).
func (s *stack) snapshot() []string {
	s.t.Helper()
	var lines []string
	cs, err := s.projectContainers()
	if err != nil {
		s.t.Fatal(err)
	}
	for _, c := range cs {
		started := s.inspect(c.ID, "{{.State.StartedAt}} {{.State.FinishedAt}}")
		lines = append(lines, "container "+c.ID+" "+c.Name+" "+c.State+" "+started)
	}
	for _, filter := range []string{"label=" + engine.LabelProject + "=" + s.project, "name=" + s.project} {
		nets := mustDocker(s.t, "network", "ls", "--no-trunc", "--filter", filter, "--format", "network {{.ID}} {{.Name}}")
		lines = append(lines, nonEmptyLines(nets)...)
		// Volumes have no ID. CreatedAt (the local driver reports the
		// data directory's mtime) tells a recreated volume from the same
		// one, and changes too if anything wrote into it.
		vols := mustDocker(s.t, "volume", "ls", "--filter", filter, "--format", "{{.Name}}")
		for _, v := range nonEmptyLines(vols) {
			lines = append(lines, "volume "+v+" "+s.inspect(v, "{{.CreatedAt}}"))
		}
	}
	sort.Strings(lines)
	return slices.Compact(lines)
}
