package integration

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/berth-dev/berth/engine"
)

// replicas is how many containers each service of a stack should have.
type replicas map[string]int

// names are the compose names of every replica, sorted.
func (s *stack) names(r replicas) []string {
	var names []string
	for svc, n := range r {
		for i := 1; i <= n; i++ {
			names = append(names, s.name(svc, i))
		}
	}
	sort.Strings(names)
	return names
}

// projectContainers lists, by name, every container that carries the
// project's label or the project's name anywhere in its own: the leftover of
// an interrupted recreate is named <id12>_PROJECT-svc-N, and a container
// someone else created has no label, so neither view alone is enough.
func (s *stack) projectContainers() (map[string]ctr, error) {
	m := map[string]ctr{}
	for _, filter := range []string{"label=" + engine.LabelProject + "=" + s.project, "name=" + s.project} {
		out, err := docker("ps", "-a", "--no-trunc", "--filter", filter,
			"--format", `{{.ID}}\t{{.Names}}\t{{.State}}\t{{.Label "`+engine.LabelService+`"}}`)
		if err != nil {
			return nil, err
		}
		for _, line := range nonEmptyLines(out) {
			f := strings.Split(line, "\t")
			if len(f) != 4 {
				return nil, fmt.Errorf("docker ps line %q: want 4 tab-separated fields", line)
			}
			m[f[1]] = ctr{ID: f[0], Name: f[1], State: f[2], Service: f[3]}
		}
	}
	return m, nil
}

// projectNetworks lists the names of networks labelled with the project or
// named after it, sorted.
func (s *stack) projectNetworks() ([]string, error) {
	var names []string
	for _, filter := range []string{"label=" + engine.LabelProject + "=" + s.project, "name=" + s.project} {
		out, err := docker("network", "ls", "--filter", filter, "--format", "{{.Name}}")
		if err != nil {
			return nil, err
		}
		for _, n := range nonEmptyLines(out) {
			if !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
	}
	sort.Strings(names)
	return names, nil
}

// convergedErr says how the project differs from a finished `up -d` of r:
// exactly one running container per replica under its compose name, nothing
// else named after the project, the one default network, and a plan with
// nothing left to do. nil means converged.
func (s *stack) convergedErr(r replicas) error {
	s.t.Helper()
	cs, err := s.projectContainers()
	if err != nil {
		return err
	}
	var got, want []string
	for n, c := range cs {
		got = append(got, n+"("+c.State+")")
	}
	for _, n := range s.names(r) {
		want = append(want, n+"(running)")
	}
	sort.Strings(got)
	var errs []error
	if !slices.Equal(got, want) {
		errs = append(errs, fmt.Errorf("containers got %v, want %v", got, want))
	}
	nets, err := s.projectNetworks()
	if err != nil {
		return err
	}
	if want := []string{s.project + "_default"}; !slices.Equal(nets, want) {
		errs = append(errs, fmt.Errorf("networks got %v, want %v", nets, want))
	}
	if res := s.berth("plan", "--detailed-exitcode"); res.code != 0 {
		errs = append(errs, fmt.Errorf("plan --detailed-exitcode got exit %d, want 0 (nothing to do)\n%v", res.code, res))
	}
	return errors.Join(errs...)
}

// wantConverged fails the test unless the project is converged (see
// convergedErr) and returns the container IDs by name.
func (s *stack) wantConverged(r replicas) map[string]string {
	s.t.Helper()
	if err := s.convergedErr(r); err != nil {
		s.t.Fatalf("project %s not converged:\n%v", s.project, err)
	}
	return s.ids()
}

// downErr says what of the project is left after a finished `down`:
// nil when no container or network of it exists.
func (s *stack) downErr() error {
	s.t.Helper()
	cs, err := s.projectContainers()
	if err != nil {
		return err
	}
	nets, err := s.projectNetworks()
	if err != nil {
		return err
	}
	var errs []error
	if len(cs) > 0 {
		var names []string
		for n, c := range cs {
			names = append(names, n+"("+c.State+")")
		}
		sort.Strings(names)
		errs = append(errs, fmt.Errorf("containers got %v, want none", names))
	}
	if len(nets) > 0 {
		errs = append(errs, fmt.Errorf("networks got %v, want none", nets))
	}
	return errors.Join(errs...)
}
