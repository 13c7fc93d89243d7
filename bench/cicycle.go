package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// The CI cycle: up, wait until ready, run the tests service once, remove
// everything. berth does it as one command (berth ci); docker compose as
// the script a CI job would run, timed as one.
const (
	opCICycle     = "ci cycle (up, wait, run, down)"
	opCICycleReap = "ci cycle with berth's reaper"
	// ciID is BERTH_CI_ID for every berth ci run: each run has a project of
	// its own already, and a fixed id makes the project ci creates known
	// (<project>-ci-b), so that the sweeper can remove it.
	ciID = "b"
)

// Values of -ci-cycle.
const (
	ciOn   = "on"   // after the sizes
	ciOnly = "only" // instead of the sizes
	ciOff  = "off"
)

// ciOps lists the CI cycle's operations in report order.
func ciOps() []string { return []string{opCICycle, opCICycleReap} }

// ciTools are the tools with a CI cycle: docker-compose v1 has no up
// --wait, and the floor has no waiting or one-off runs.
func ciTools() []string { return []string{toolBerth, toolCompose} }

// ciSteps is each tool's command lines for op, after the global flags.
// docker compose's --wait passes on this stack (checked with v5.5.0): the
// one-shot that exited 0, which others depend on with
// service_completed_successfully, does not fail the wait.
func ciSteps(tool, op string) [][]string {
	switch {
	case tool == toolBerth && op == opCICycle:
		return [][]string{{"ci", "--no-reap", ciTests}}
	case tool == toolBerth && op == opCICycleReap:
		return [][]string{{"ci", ciTests}}
	case tool == toolCompose && op == opCICycle:
		return [][]string{
			{"up", "-d", "--wait"},
			{"run", "--rm", ciTests},
			{"down", "-v", "--remove-orphans"},
		}
	}
	return nil
}

// ciProject is the project tool's cycle leaves its resources in: berth ci
// works in a copy of the project under a name of its own.
func ciProject(tool, project string) string {
	if tool == toolBerth {
		return project + "-ci-" + ciID
	}
	return project
}

// benchCI measures the CI cycle of every tool that has one, taking turns
// run by run as benchSize does.
func (d *driver) benchCI(ctx context.Context, tools []string) error {
	d.res.CICycle = true
	var measured []string
	for _, t := range tools {
		if slices.Contains(ciTools(), t) {
			measured = append(measured, t)
		}
	}
	image, err := ensureImage(ctx, d.root, "")
	if err != nil {
		return fmt.Errorf("the CI cycle needs bench's own image: %w", err)
	}
	maxRuns := 0
	for _, t := range measured {
		maxRuns = max(maxRuns, d.cfg.runsFor(t, ciServices))
	}
	for run := 1; run <= maxRuns; run++ {
		for _, tool := range measured {
			if run > d.cfg.runsFor(tool, ciServices) {
				continue
			}
			for _, op := range ciOps() {
				if ciSteps(tool, op) == nil || d.res.failed(tool, op, ciServices) {
					continue
				}
				name := fmt.Sprintf("berthbench-%s-%s-ci", d.tag, tool)
				if op == opCICycleReap {
					name += "reap"
				}
				dir := filepath.Join(d.tmp, name)
				if err := os.MkdirAll(dir, 0o755); err != nil {
					return fmt.Errorf("create stack dir: %w", err)
				}
				sub, err := d.subnets.pick(ctx)
				if err != nil {
					return err
				}
				s := newCIStack(fmt.Sprintf("%s-r%d", name, run), dir, image, sub)
				if err := s.write(); err != nil {
					return err
				}
				project := ciProject(tool, s.Project)
				d.sweeper.track(project, dockerView{})
				fmt.Fprintf(d.log, "%s, %s on %d services, run %d of %d\n", toolTitle(tool), op, ciServices, run, d.cfg.runsFor(tool, ciServices))
				d.ciCycle(ctx, tool, op, s, run)
				if ctx.Err() != nil {
					return nil // the caller reports the interruption
				}
				d.ciLeftovers(ctx, tool, project)
			}
		}
	}
	return nil
}

// ciCycle times one cycle: its steps in sequence, as one sample whose RSS
// is the largest step's. A failed step fails the operation at every run.
func (d *driver) ciCycle(ctx context.Context, tool, op string, s ciStack, run int) {
	t := d.tools.cli[tool]
	var total sample
	for _, step := range ciSteps(tool, op) {
		smp, err := t.runArgs(ctx, s.stack, step, "BERTH_CI_ID="+ciID)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			d.res.fail(key{tool, op, ciServices}, err)
			fmt.Fprintf(d.log, "  %s run %d: %s failed: %s\n", tool, run, op, firstLine(err))
			return
		}
		total.Wall += smp.Wall
		total.RSS = max(total.RSS, smp.RSS)
	}
	d.res.add(key{tool, op, ciServices}, total)
	fmt.Fprintf(d.log, "  %s run %d: %-32s %9s %6.1f MiB\n", tool, run, op, fmtDuration(total.Wall), mib(total.RSS))
}

// ciLeftovers notes whatever a cycle left behind (its down removes
// everything, berth's reaper included) and removes it, so that the next
// run starts from nothing.
func (d *driver) ciLeftovers(ctx context.Context, tool, project string) {
	left, err := containerIDs(ctx, project)
	if err != nil {
		d.res.note("%s, CI cycle: %v", toolTitle(tool), err)
	} else if len(left) > 0 {
		d.res.note("%s, CI cycle: down left %d container(s)", toolTitle(tool), len(left))
	}
	if tool == toolBerth {
		// The reaper is not labelled as part of the project, so that
		// compose and berth commands do not see it; release removes it.
		name := project + "-berth-reaper"
		deadline := time.Now().Add(10 * time.Second)
		for {
			out, err := docker(ctx, "ps", "-aq", "--filter", "name=^/"+name+"$")
			if err != nil || out == "" {
				break
			}
			if time.Now().After(deadline) {
				d.res.note("%s, CI cycle: the reaper %s was still there 10s after ci ended", toolTitle(tool), name)
				if _, err := docker(ctx, "rm", "-f", name); err != nil {
					d.res.note("%s", oneLine(err.Error()))
				}
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	if err := d.sweeper.sweep(ctx, project); err != nil {
		d.noteSweep(project, err)
	}
}
