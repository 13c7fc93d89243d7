package ci

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/berth-dev/berth/engine"
)

// Engine is what Collect reads.
type Engine interface {
	Containers(ctx context.Context, project string) ([]engine.Container, error)
	engine.Inspector
	engine.LogStreamer
}

// Collect describes the stack's services before teardown: for each of
// services (sorted), its containers' state, exit code, restart count,
// last health probe and last lines log lines. One-off containers (the
// run's) are left out. A service without a container is a problem, since
// ci brought up every one it names. Failures to read one container are
// recorded in its Problem rather than ending the collection: a report
// with a gap beats none.
func Collect(ctx context.Context, eng Engine, project string, services []string, lines int) ([]ServiceReport, error) {
	all, err := eng.Containers(ctx, project)
	if err != nil {
		return nil, fmt.Errorf("list containers of %s: %w", project, err)
	}
	by := map[string][]engine.Container{}
	for _, c := range all {
		if c.Labels[engine.LabelOneoff] == "True" {
			continue
		}
		s := c.Labels[engine.LabelService]
		by[s] = append(by[s], c)
	}
	services = slices.Sorted(slices.Values(services))
	out := make([]ServiceReport, 0, len(services))
	for _, name := range services {
		sr := ServiceReport{Name: name, Containers: []ContainerReport{}}
		cs := by[name]
		slices.SortFunc(cs, func(a, b engine.Container) int { return cmp.Compare(a.Name, b.Name) })
		for _, c := range cs {
			cr := describe(ctx, eng, c, lines)
			if sr.Problem == "" && cr.Problem != "" {
				sr.Problem = "container " + cr.Name + " " + cr.Problem
			}
			sr.Containers = append(sr.Containers, cr)
		}
		if len(cs) == 0 {
			sr.Problem = "has no container"
		}
		out = append(out, sr)
	}
	return out, nil
}

// describe reads one container: inspect for the current state and restart
// count, the health log when it has a healthcheck, and its log's tail.
func describe(ctx context.Context, eng Engine, c engine.Container, lines int) ContainerReport {
	if ic, err := eng.InspectContainer(ctx, c.ID); err == nil {
		c = ic
	} else {
		return ContainerReport{Name: c.Name, State: c.State, Problem: fmt.Sprintf("could not be inspected: %v", err), Logs: []string{}}
	}
	cr := ContainerReport{
		Name:         c.Name,
		State:        c.State,
		Health:       c.Health,
		ExitCode:     c.ExitCode,
		RestartCount: c.RestartCount,
		Problem:      problem(c),
		Logs:         []string{},
	}
	if c.Health != "" {
		if log, err := eng.HealthLog(ctx, c.ID); err == nil && len(log) > 0 {
			cr.Probe = strings.TrimSpace(log[len(log)-1])
		}
	}
	if lines > 0 {
		var buf bytes.Buffer
		if err := eng.Logs(ctx, c.ID, engine.LogOptions{Tail: strconv.Itoa(lines)}, &buf, &buf); err != nil {
			cr.Logs = []string{fmt.Sprintf("(logs unavailable: %v)", err)}
		} else if text := strings.TrimRight(buf.String(), "\n"); text != "" {
			cr.Logs = strings.Split(text, "\n")
		}
	}
	return cr
}

// problem judges a container as `up --wait` does (reconcile.Wait): running
// (and healthy, with a healthcheck) or exited 0 is fine.
func problem(c engine.Container) string {
	switch {
	case c.State == "exited" || c.State == "dead":
		if c.ExitCode != 0 {
			return fmt.Sprintf("exited with code %d", c.ExitCode)
		}
		return ""
	case c.Health == "unhealthy":
		return "is unhealthy"
	case c.Health == "starting":
		return "is still starting (health: starting)"
	case c.State == "running", c.State == "paused" && c.Health != "":
		return ""
	case c.State == "created":
		// A dependency failed first, or the wait ended before its start.
		return "was never started"
	}
	return "is " + c.State
}
