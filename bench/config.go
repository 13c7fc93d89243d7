package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// Tool names, as accepted by -tools and -tool-runs.
const (
	toolBerth   = "berth"
	toolNative  = "native"  // berth --engine native: runc, no dockerd
	toolCompose = "compose" // docker compose v2+ (the CLI plugin)
	toolV1      = "v1"      // Python docker-compose v1
	toolFloor   = "floor"   // engine/docker called directly, no planning
)

// allTools lists the tools in the order their columns appear.
func allTools() []string { return []string{toolBerth, toolNative, toolCompose, toolV1, toolFloor} }

// nativeSize is the stack size the issue sets the native engine's targets
// at; the default sizes gain it when the native engine is measured.
const nativeSize = 30

// config is everything the flags decide.
type config struct {
	Sizes []int
	// SizesSet is whether -sizes was given; if not, measuring the native
	// engine adds nativeSize (see sizesFor).
	SizesSet bool
	Runs     int
	// Changes is how many one-service changes each run makes, one sample
	// each: a change costs a fraction of a second, and its ratio to the
	// hand recreate is the target with the least room.
	Changes int
	// Repeats is how often each run measures the cheap operations
	// (config -q, the no-op up, ps, logs), one sample each: they take
	// milliseconds, and a single sample per run is mostly noise.
	Repeats  int
	Out      string
	Tools    []string
	Parallel int    // bound on concurrent engine calls in the floor
	Image    string // image every service runs; "" builds bench's own
	// RunsFor overrides Runs for one tool, or one tool at one size. Keys are
	// "tool" or "tool:size".
	RunsFor map[string]int
	// CICycle is on (the CI cycle after the sizes), only (instead of them)
	// or off.
	CICycle string
}

// defaultToolRuns keeps a full run near 20 minutes: docker-compose v1 takes
// far longer than the others to bring 200 services up and down.
const defaultToolRuns = "v1:200=2"

func parseConfig(args []string, stderr io.Writer) (config, error) {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	sizes := fs.String("sizes", "10,50,200", "comma-separated stack `sizes` (number of services)")
	runs := fs.Int("runs", 5, "measured runs per operation; each reported figure is the median")
	changes := fs.Int("changes", 5, "one-service changes per run, each measured (and recreated by hand in the floor)")
	repeats := fs.Int("repeats", 3, "measurements per run of each cheap operation (config -q, no-op up, ps, logs)")
	out := fs.String("out", "bench/RESULTS.md", "markdown `file` to write the results to (\"\" to skip)")
	tools := fs.String("tools", strings.Join(allTools(), ","), "comma-separated tools to measure: berth, native (berth --engine native), compose (docker compose v2+), v1 (docker-compose), floor (engine only)")
	toolRuns := fs.String("tool-runs", defaultToolRuns, "per-tool run counts overriding -runs, as `tool[:size]=N,...`")
	parallel := fs.Int("parallel", 64, "concurrent engine calls in the floor (64 is docker-compose v1's COMPOSE_PARALLEL_LIMIT)")
	image := fs.String("image", "", "local `image` every service runs (default: bench's own sleeper image, built with internal/testimage)")
	ciCycle := fs.String("ci-cycle", ciOn, "the CI cycle (up, wait, run, down) on 10 services: `on` (after the sizes), only (instead of them), off")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("unexpected argument %q: bench takes flags only (see -h)", fs.Arg(0))
	}
	c := config{Runs: *runs, Changes: *changes, Repeats: *repeats, Out: *out, Parallel: *parallel, Image: *image, CICycle: *ciCycle}
	var errs []error
	var err error
	if c.Sizes, err = parseSizes(*sizes); err != nil {
		errs = append(errs, err)
	}
	fs.Visit(func(f *flag.Flag) { c.SizesSet = c.SizesSet || f.Name == "sizes" })
	switch c.CICycle {
	case ciOn, ciOff:
	case ciOnly:
		c.Sizes = nil
	default:
		errs = append(errs, fmt.Errorf("-ci-cycle %q: choose on, only or off", c.CICycle))
	}
	if c.Tools, err = parseTools(*tools); err != nil {
		errs = append(errs, err)
	}
	if c.RunsFor, err = parseToolRuns(*toolRuns); err != nil {
		errs = append(errs, err)
	}
	if c.Runs < 1 {
		errs = append(errs, fmt.Errorf("-runs %d: need at least 1 run", c.Runs))
	}
	if c.Repeats < 1 {
		errs = append(errs, fmt.Errorf("-repeats %d: need at least 1 measurement", c.Repeats))
	}
	if c.Changes < 1 {
		errs = append(errs, fmt.Errorf("-changes %d: need at least 1 change", c.Changes))
	}
	if c.Parallel < 1 {
		errs = append(errs, fmt.Errorf("-parallel %d: need at least 1", c.Parallel))
	}
	return c, errors.Join(errs...)
}

// sizesFor is the sizes to measure once it is known which tools can be:
// the native targets are at nativeSize services, so the default
// sizes gain it when the native engine is measured.
func (c config) sizesFor(measured []string) []int {
	if c.SizesSet || len(c.Sizes) == 0 || !slices.Contains(measured, toolNative) || slices.Contains(c.Sizes, nativeSize) {
		return c.Sizes
	}
	return slices.Sorted(slices.Values(append(slices.Clone(c.Sizes), nativeSize)))
}

// runsFor is how many measured runs tool gets at size.
func (c config) runsFor(tool string, size int) int {
	if n, ok := c.RunsFor[tool+":"+strconv.Itoa(size)]; ok {
		return n
	}
	if n, ok := c.RunsFor[tool]; ok {
		return n
	}
	return c.Runs
}

func parseSizes(s string) ([]int, error) {
	var sizes []int
	for f := range strings.SplitSeq(s, ",") {
		f = strings.TrimSpace(f)
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("-sizes %q: %q is not a positive number of services", s, f)
		}
		if !slices.Contains(sizes, n) {
			sizes = append(sizes, n)
		}
	}
	slices.Sort(sizes)
	return sizes, nil
}

// parseTools returns the tools in column order, whatever order they were given in.
func parseTools(s string) ([]string, error) {
	var picked []string
	for f := range strings.SplitSeq(s, ",") {
		f = strings.TrimSpace(f)
		if !slices.Contains(allTools(), f) {
			return nil, fmt.Errorf("-tools %q: unknown tool %q (choose from %s)", s, f, strings.Join(allTools(), ", "))
		}
		picked = append(picked, f)
	}
	var tools []string
	for _, t := range allTools() {
		if slices.Contains(picked, t) {
			tools = append(tools, t)
		}
	}
	return tools, nil
}

func parseToolRuns(s string) (map[string]int, error) {
	m := map[string]int{}
	if strings.TrimSpace(s) == "" {
		return m, nil
	}
	for f := range strings.SplitSeq(s, ",") {
		f = strings.TrimSpace(f)
		key, val, ok := strings.Cut(f, "=")
		n, err := strconv.Atoi(val)
		if !ok || err != nil || n < 1 {
			return nil, fmt.Errorf("-tool-runs %q: %q is not tool[:size]=N with N ≥ 1", s, f)
		}
		tool, size, hasSize := strings.Cut(key, ":")
		if !slices.Contains(allTools(), tool) {
			return nil, fmt.Errorf("-tool-runs %q: unknown tool %q (choose from %s)", s, tool, strings.Join(allTools(), ", "))
		}
		if hasSize {
			if sz, err := strconv.Atoi(size); err != nil || sz < 1 {
				return nil, fmt.Errorf("-tool-runs %q: size %q is not a positive number", s, size)
			}
		}
		m[key] = n
	}
	return m, nil
}
