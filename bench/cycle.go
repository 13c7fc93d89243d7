package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// A cycle is one measured run of a tool on its stack: cold up, the cheap
// operations against the running stack, a one-service change, down. Every
// cycle starts from nothing, so every cold up creates every container.
//
// The driver interleaves tools run by run (berth run 1, v1 run 1, floor run
// 1, berth run 2, …) rather than running each tool's runs back to back: the
// machine is shared, and a burst of load then lands on every tool instead of
// on one.

// runner measures one tool at one size, one cycle at a time. cycle returns
// an error when the tool cannot go on at this size (its stack could not be
// brought up or down) or bench was interrupted; other failures are recorded
// in the results and the cycle goes on.
type runner interface {
	prepare(ctx context.Context) error
	cycle(ctx context.Context, run int) error
}

// cliRunner runs a Compose tool as a child process.
type cliRunner struct {
	Tool    cliTool
	Stack   *stack
	Results *results
	Log     io.Writer
	Changes int // one-service changes per cycle
	Repeats int // measurements of each cheap operation per cycle
	View    view
	// Probe reads the native engine's monitors; nil for the other tools.
	Probe *monitorProbe
}

// prepare writes the Compose file and runs one untimed config -q, which
// puts the binary and the file in the page cache so that the first measured
// run is not an outlier.
func (c cliRunner) prepare(ctx context.Context) error {
	if err := c.Stack.write(); err != nil {
		return err
	}
	if _, err := c.Tool.run(ctx, *c.Stack, opConfig); err != nil {
		c.Results.fail(key{c.Tool.Name, opConfig, c.Stack.Size}, err)
	}
	return ctx.Err()
}

// measure runs op once. A failure is recorded and reported as false; the
// error is only for what must stop the whole bench (cancellation).
func (c cliRunner) measure(ctx context.Context, run int, op string) (bool, error) {
	t, s, res := c.Tool, *c.Stack, c.Results
	k := key{t.Name, op, s.Size}
	// An operation that failed once is not measured again, except down:
	// it is what clears the stack for the next run, and skipping it would
	// only leave every container for checkGone to find.
	if (res.failed(t.Name, op, s.Size) && op != opDown) || !t.supports(op) {
		return false, nil
	}
	smp, err := t.run(ctx, s, op)
	if err != nil && ctx.Err() != nil {
		return false, ctx.Err()
	}
	if err != nil && op == opDown && staleEndpoint(err) {
		res.note("%s", staleNote(t.Name, s.Size))
		err = nil
	}
	if err != nil {
		res.fail(k, err)
		fmt.Fprintf(c.Log, "  %s %d services run %d: %s failed: %s\n", t.Name, s.Size, run, op, firstLine(err))
		return false, nil
	}
	res.add(k, smp)
	fmt.Fprintf(c.Log, "  %s %d services run %d: %-28s %9s %6.1f MiB\n", t.Name, s.Size, run, op, fmtDuration(smp.Wall), mib(smp.RSS))
	return true, nil
}

// repeat measures op c.Repeats times, each a sample.
func (c cliRunner) repeat(ctx context.Context, run int, op string) error {
	for range c.Repeats {
		if _, err := c.measure(ctx, run, op); err != nil {
			return err
		}
	}
	return nil
}

func (c cliRunner) cycle(ctx context.Context, run int) error {
	t, s, res := c.Tool, c.Stack, c.Results
	if _, err := c.measure(ctx, run, opConfigCold); err != nil {
		return err
	}
	if err := c.repeat(ctx, run, opConfig); err != nil {
		return err
	}
	if ok, err := c.measure(ctx, run, opColdUp); !ok {
		return errors.Join(fmt.Errorf("%s up -d on %d services failed; skipping its remaining runs at this size", t.Name, s.Size), err)
	}
	if err := checkRunning(ctx, c.View, s.Project, s.Size); err != nil {
		res.note("%s, %d services: after cold up: %v", toolTitle(t.Name), s.Size, err)
	}
	c.Probe.snapshot(*s, phaseAfterUp)
	for range c.Repeats {
		if err := measureUnchanged(ctx, c.View, *s, res, t.Name, func() (bool, error) { return c.measure(ctx, run, opNoopUp) }); err != nil {
			return err
		}
	}
	for _, op := range []string{opPs, opPsJSON, opLogs} {
		if err := c.repeat(ctx, run, op); err != nil {
			return err
		}
	}
	for range c.Changes {
		s.Gen++
		if err := s.write(); err != nil {
			return err
		}
		if err := measureChange(ctx, c.View, *s, res, t.Name, func() (bool, error) { return c.measure(ctx, run, opChange) }); err != nil {
			return err
		}
	}
	c.Probe.snapshot(*s, phaseBeforeDown)
	// A failed down is recorded and the run goes on: bench removes the
	// project anyway, and the next run has a project of its own.
	if _, err := c.measure(ctx, run, opDown); err != nil {
		return err
	}
	c.Probe.leftovers(*s)
	return checkGone(ctx, c.View, *s, res, t.Name)
}

// floorRunner drives the engine floor: cold up, the hand recreate of the
// leaf, down.
type floorRunner struct {
	Floor   floor
	Stack   *stack
	Results *results
	Log     io.Writer
	Changes int // hand recreates per cycle
}

func (f floorRunner) prepare(ctx context.Context) error { return ctx.Err() }

// timed runs do as op, recording its wall-clock time. Any failure stops the
// floor at this size: the engine calls are all it does.
func (f floorRunner) timed(run int, op string, do func() error) error {
	s := f.Stack
	start := time.Now()
	err := do()
	wall := time.Since(start)
	if err != nil && op == opDown && staleEndpoint(err) {
		f.Results.note("%s", staleNote(toolFloor, s.Size))
		err = nil
	}
	if err != nil {
		f.Results.fail(key{toolFloor, op, s.Size}, err)
		return fmt.Errorf("floor %s on %d services: %w", op, s.Size, err)
	}
	f.Results.add(key{toolFloor, op, s.Size}, sample{Wall: wall})
	fmt.Fprintf(f.Log, "  %s %d services run %d: %-28s %9s\n", toolFloor, s.Size, run, op, fmtDuration(wall))
	return nil
}

func (f floorRunner) cycle(ctx context.Context, run int) error {
	s, res := f.Stack, f.Results
	var st floorState
	if err := f.timed(run, opColdUp, func() (err error) { st, err = f.Floor.up(ctx, *s); return err }); err != nil {
		return err
	}
	if err := checkRunning(ctx, dockerView{}, s.Project, s.Size); err != nil {
		res.note("%s, %d services: after cold up: %v", toolTitle(toolFloor), s.Size, err)
	}
	leaf := s.leaf()
	for range f.Changes {
		s.Gen++
		err := measureChange(ctx, dockerView{}, *s, res, toolFloor, func() (bool, error) {
			err := f.timed(run, opChange, func() (err error) {
				st.IDs[leaf], err = f.Floor.recreate(ctx, *s, leaf, st.IDs[leaf])
				return err
			})
			return err == nil, err
		})
		if err != nil {
			return err
		}
	}
	if err := f.timed(run, opDown, func() error { return f.Floor.down(ctx, *s, st) }); err != nil {
		return err
	}
	return checkGone(ctx, dockerView{}, *s, res, toolFloor)
}

// measureUnchanged runs a no-op and notes any container it recreated: a
// no-op that does work would make its time meaningless.
func measureUnchanged(ctx context.Context, v view, s stack, res *results, tool string, do func() (bool, error)) error {
	ch, ok, err := recreatedBy(ctx, v, s.Project, do)
	if !ok {
		return err
	}
	if len(ch) > 0 {
		res.note("%s, %d services: no-op up -d recreated %d container(s) (%s)", toolTitle(tool), s.Size, len(ch), summarize(ch))
	}
	return nil
}

// measureChange runs the one-service change and notes unless exactly the
// edited leaf was recreated.
func measureChange(ctx context.Context, v view, s stack, res *results, tool string, do func() (bool, error)) error {
	ch, ok, err := recreatedBy(ctx, v, s.Project, do)
	if !ok {
		return err
	}
	if want := s.name(s.leaf()); len(ch) != 1 || ch[0] != want {
		res.note("%s, %d services: one-service change recreated %d container(s) (%s); want only %s", toolTitle(tool), s.Size, len(ch), summarize(ch), want)
	}
	if err := checkRunning(ctx, v, s.Project, s.Size); err != nil {
		res.note("%s, %d services: after one-service change: %v", toolTitle(tool), s.Size, err)
	}
	return nil
}

// recreatedBy runs do between two snapshots of project's container IDs and
// returns the containers whose ID changed. ok is false when do did not
// complete (its error, if any, is returned) or a snapshot failed.
func recreatedBy(ctx context.Context, v view, project string, do func() (bool, error)) (changedNames []string, ok bool, err error) {
	before, err := v.containers(ctx, project)
	if err != nil {
		return nil, false, err
	}
	if ok, err := do(); !ok {
		return nil, false, err
	}
	after, err := v.containers(ctx, project)
	if err != nil {
		return nil, false, err
	}
	return changed(before, after), true, nil
}

// checkGone notes containers a down left behind and removes them, so that
// the next run's cold up starts from nothing again.
func checkGone(ctx context.Context, v view, s stack, res *results, tool string) error {
	left, err := v.containers(ctx, s.Project)
	if err != nil {
		return err
	}
	if len(left) > 0 {
		res.note("%s, %d services: down left %d container(s)", toolTitle(tool), s.Size, len(left))
		return v.remove(ctx, s.Project)
	}
	return nil
}

// summarize names at most five services, sorted.
func summarize(svcs []string) string {
	s := slices.Sorted(slices.Values(svcs))
	if len(s) > 5 {
		return strings.Join(s[:5], ", ") + fmt.Sprintf(", … %d more", len(s)-5)
	}
	return strings.Join(s, ", ")
}

func firstLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}
