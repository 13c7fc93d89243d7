// Command bench measures berth against docker compose, docker-compose v1
// and the engine floor (the API calls alone) on generated stacks of 10, 50
// and 200 services, and berth on its native engine against berth on
// dockerd, and writes the table to bench/RESULTS.md.
//
// Run it from the repository root with `make bench` (`go run ./bench`); see
// bench/README.md for the flags and what each column means.
//
// Every project bench creates is named berthbench-TAG-TOOL-SIZE-rRUN (TAG
// tells one invocation from another) and is removed right after its run, and
// again on exit, including after a failure or Ctrl-C: on dockerd, removal
// goes by the compose project label through the docker CLI, so it does not
// rely on the tool being measured; on the native engine, through berth's
// down, in a state directory of bench's own that goes at the end.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is main with its exits turned into a status, so that every deferred
// cleanup runs.
func run(args []string, stdout, stderr io.Writer) int {
	cfg, err := parseConfig(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "bench: %v\n", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		// From now on a second Ctrl-C kills bench outright.
		stop()
	}()
	if err := bench(ctx, cfg, stdout, stderr); err != nil {
		fmt.Fprintf(stderr, "bench: %v\n", err)
		return 1
	}
	return 0
}

func bench(ctx context.Context, cfg config, stdout, stderr io.Writer) error {
	root, err := repoRoot()
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "berth-bench-")
	if err != nil {
		return fmt.Errorf("create temp dir: %w", err)
	}
	defer os.RemoveAll(tmp)

	sweeper := &sweeper{log: stderr}
	var ts toolset
	// The tools' engines close after the sweep: the native engine's state
	// directory can only go once every project in it is down.
	defer func() {
		sweeper.sweepAll(ctx)
		// After an interrupt too, hence a context of its own.
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		ts.close(cctx)
	}()

	image, err := ensureImage(ctx, root, cfg.Image)
	if err != nil {
		return err
	}
	m := describeMachine(ctx, root, time.Now())
	m.Image = image
	res := newResults()
	ts = detectTools(ctx, cfg, root, tmp, image, stderr, m.Tools, res.Absent)
	if len(ts.cli) > 0 {
		sp, err := startSpawner(ctx, root, tmp)
		if err != nil {
			return err
		}
		defer sp.close()
		for name, t := range ts.cli {
			t.Spawn = sp
			ts.cli[name] = t
		}
	}
	for _, t := range allTools() {
		if !slices.Contains(cfg.Tools, t) {
			res.Absent[t] = toolTitle(t) + " not in -tools"
		}
	}
	var measured []string
	for _, t := range cfg.Tools {
		if _, absent := res.Absent[t]; !absent {
			measured = append(measured, t)
		}
	}
	for _, t := range cfg.Tools {
		if why, absent := res.Absent[t]; absent {
			fmt.Fprintf(stderr, "bench: not measuring %s: %s\n", toolTitle(t), why)
		}
	}
	cfg.Sizes = cfg.sizesFor(measured)

	pid := os.Getpid()
	d := &driver{
		cfg: cfg, root: root, image: image, tmp: tmp, tag: strconv.FormatInt(int64(pid), 36),
		subnets: &subnetPicker{block: 100 + pid%100, taken: takenSubnets, log: stderr},
		tools:   ts, floor: floor{Engine: ts.floor, Parallel: cfg.Parallel}, res: res, sweeper: sweeper, log: stderr,
	}
	cpu0, cpuOK := readCPU()
	for _, size := range cfg.Sizes {
		if err := d.benchSize(ctx, size, measured); err != nil {
			return err
		}
	}
	if cfg.CICycle != ciOff && ctx.Err() == nil {
		if err := d.benchCI(ctx, measured); err != nil {
			return err
		}
	}
	if cpu1, ok := readCPU(); ok && cpuOK {
		m.Steal = stealText(cpu0, cpu1)
	}

	rp := report{Machine: m, Config: cfg, Results: res, Tools: measured, Interrupted: ctx.Err() != nil}
	if err := rp.write(stdout); err != nil {
		return err
	}
	if rp.Interrupted {
		return errors.New("interrupted: results not written")
	}
	if cfg.Out == "" {
		return nil
	}
	f, err := os.Create(cfg.Out)
	if err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	if err := rp.write(f); err != nil {
		f.Close()
		return fmt.Errorf("write results to %s: %w", cfg.Out, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write results to %s: %w", cfg.Out, err)
	}
	fmt.Fprintf(stderr, "bench: wrote %s\n", cfg.Out)
	return nil
}

// driver runs every tool at one size, interleaving their cycles.
type driver struct {
	cfg     config
	root    string // the repository, for building images
	image   string
	tmp     string
	tag     string // tells this invocation's projects from earlier ones
	subnets *subnetPicker
	tools   toolset
	floor   floor
	res     *results
	sweeper *sweeper
	log     io.Writer
}

func (d *driver) benchSize(ctx context.Context, size int, tools []string) error {
	runners := map[string]runner{}
	stacks := map[string]*stack{}
	maxRuns := 0
	for _, tool := range tools {
		name := fmt.Sprintf("berthbench-%s-%s-%d", d.tag, tool, size)
		s := &stack{Project: name + "-r0", Dir: filepath.Join(d.tmp, name), Image: d.image, Size: size}
		if err := os.MkdirAll(s.Dir, 0o755); err != nil {
			return fmt.Errorf("create stack dir: %w", err)
		}
		stacks[tool] = s
		if tool == toolFloor {
			runners[tool] = floorRunner{Floor: d.floor, Stack: s, Results: d.res, Log: d.log, Changes: d.cfg.Changes}
		} else {
			cr := cliRunner{Tool: d.tools.cli[tool], Stack: s, Results: d.res, Log: d.log, Changes: d.cfg.Changes, Repeats: d.cfg.Repeats, View: d.tools.view(tool)}
			if tool == toolNative {
				cr.Probe = &monitorProbe{Proc: "/proc", Root: d.tools.native.Root, Results: d.res}
			}
			runners[tool] = cr
		}
		if err := runners[tool].prepare(ctx); err != nil {
			return err
		}
		maxRuns = max(maxRuns, d.cfg.runsFor(tool, size))
	}
	stopped := map[string]bool{}
	for run := 1; run <= maxRuns; run++ {
		for _, tool := range tools {
			if stopped[tool] || run > d.cfg.runsFor(tool, size) {
				continue
			}
			// Each run gets a project of its own, so that nothing a failed
			// run leaves behind (dockerd 20.10 can keep a network with a
			// stale endpoint) is reused by the next.
			s := stacks[tool]
			s.Project = fmt.Sprintf("berthbench-%s-%s-%d-r%d", d.tag, tool, size, run)
			var err error
			if s.Subnets, err = d.subnets.pick(ctx); err != nil {
				return err
			}
			if err := s.write(); err != nil {
				return err
			}
			d.sweeper.track(s.Project, d.tools.view(tool))
			fmt.Fprintf(d.log, "%s, %d services, run %d of %d\n", toolTitle(tool), size, run, d.cfg.runsFor(tool, size))
			err = runners[tool].cycle(ctx, run)
			if ctx.Err() != nil {
				return nil // the caller reports the interruption
			}
			if err != nil {
				// One tool failing at one size says something about that
				// tool; the others are still worth measuring.
				fmt.Fprintf(d.log, "bench: %v\n", err)
				d.res.note("%s, %d services: stopped after run %d: %s", toolTitle(tool), size, run, firstLine(err))
				stopped[tool] = true
			}
			if err := d.sweeper.sweep(ctx, s.Project); err != nil {
				d.noteSweep(s.Project, err)
			}
		}
	}
	return nil
}

// noteSweep reports a project bench could not remove. Networks stranded by
// the stale-endpoint bug are listed together; the down that hit it has been
// noted already.
func (d *driver) noteSweep(project string, err error) {
	if staleEndpoint(err) {
		fmt.Fprintf(d.log, "bench: %s keeps a network with a stale endpoint (moby/moby#43286)\n", project)
		if !slices.Contains(d.res.Stranded, project) {
			d.res.Stranded = append(d.res.Stranded, project)
		}
		return
	}
	fmt.Fprintf(d.log, "bench: %v\n", err)
	d.res.note("%s", oneLine(err.Error()))
}

// sweeper removes benchmark projects. It knows every project from before
// the first thing is created in it until it is removed, so that the deferred
// sweepAll can remove whatever a failure or an interrupt left behind.
type sweeper struct {
	log     io.Writer
	pending []tracked // not yet removed, in creation order
}

// tracked is a project and the view that removes it.
type tracked struct {
	project string
	view    view
}

// track registers project, on the engine v looks at, before anything is
// created in it.
func (s *sweeper) track(project string, v view) {
	if !slices.ContainsFunc(s.pending, func(t tracked) bool { return t.project == project }) {
		s.pending = append(s.pending, tracked{project, v})
	}
}

// sweep removes project now. On failure it stays pending and sweepAll tries
// again on exit; the error is for the caller to report, not to stop on.
// The project must have been tracked.
func (s *sweeper) sweep(ctx context.Context, project string) error {
	if ctx.Err() != nil {
		return nil // sweepAll runs it without the cancelled context
	}
	i := slices.IndexFunc(s.pending, func(t tracked) bool { return t.project == project })
	if i < 0 {
		return nil
	}
	if err := s.pending[i].view.remove(ctx, project); err != nil {
		return err
	}
	s.pending = slices.Delete(s.pending, i, i+1)
	return nil
}

// sweepAll runs after cancellation too, so it gets a context of its own.
func (s *sweeper) sweepAll(ctx context.Context) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 3*time.Minute)
	defer cancel()
	if len(s.pending) > 0 {
		fmt.Fprintf(s.log, "bench: removing %d benchmark project(s)\n", len(s.pending))
	}
	var stranded []string
	for _, p := range s.pending {
		err := p.view.remove(ctx, p.project)
		switch {
		case err == nil:
		case staleEndpoint(err):
			stranded = append(stranded, p.project)
		default:
			fmt.Fprintf(s.log, "bench: %v\n", err)
		}
	}
	if len(stranded) > 0 {
		fmt.Fprintf(s.log, "bench: dockerd keeps networks with stale endpoints (moby/moby#43286) for %s; "+
			"they hold no containers and only their own 10.x subnets; restart dockerd, then run: "+
			"docker network rm $(docker network ls -q --filter name=berthbench-)\n", strings.Join(stranded, ", "))
	}
}

// repoRoot finds the berth module from the working directory, so that bench
// works from any directory inside the repository.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("find repository root: %w", err)
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			if _, err := os.Stat(filepath.Join(d, "cmd", "berth")); err == nil {
				return d, nil
			}
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("%s is not inside the berth repository: run bench from the repository root (make bench)", dir)
		}
	}
}
