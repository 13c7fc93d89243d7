package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/fake"
)

// The bad-input corpus: every folder under testdata/bad at the repository
// root is a broken project (compose.yaml, env files, and an optional "args"
// file of extra global flags, one per line, where $DIR is the folder).
// Berth must reject each one with a useful message, without panicking,
// hanging or eating memory, and before it contacts the engine. The
// messages are pinned by goldens in testdata/bad here; run with -update to
// rewrite them, then review every changed message: it must say where, what
// and what to do.
//
// A folder with a "known-gap" file holds input that berth mishandles today.
// The file reads "KIND: why", where KIND is
//   - accepted: berth accepts the input; the case is skipped while it does
//     and fails once berth rejects it, so that the marker goes and the
//     message gets its golden;
//   - unbounded: berth breaks the time or memory bound; skipped while it
//     does, failing once it stays within them;
//   - unstable: berth rejects the input but its message changes from run to
//     run; every check but the message runs, then the case is skipped.
//
// Each case runs berth in-process, but inside its own copy of the test
// binary: a loader stuck in a YAML bomb cannot be stopped from another
// goroutine, and left running it would starve every later case of CPU and
// memory. The child enforces the bounds and exits at once when one is
// broken; the parent only starts children and reports what they say.

const (
	// badDeadline is the hard bound on one command over one bad input.
	badDeadline = 10 * time.Second
	// raceSlowdown stretches badDeadline under the race detector, which
	// slows code 2-20x: parsing the 20 MB inputs takes about 2 s without it.
	raceSlowdown = 5
	// badHeapLimit bounds how much the heap may grow while berth reads a
	// bad input; a YAML bomb that expands its aliases blows far past it.
	badHeapLimit = 512 << 20
	// memSampleEvery is how often the child samples its heap.
	memSampleEvery = 5 * time.Millisecond
	// badChildSlack is what a child may take beyond its two commands, to
	// start up and report; the child enforces the deadline itself, so the
	// parent's bound only catches a child that cannot.
	badChildSlack = 20 * time.Second
	// badCaseEnv tells a child which case to check: "NAME=DIR".
	badCaseEnv = "BERTH_BAD_INPUT_CASE"
	// badConfigOnlyEnv, when set, tells a child to skip up --dry-run.
	badConfigOnlyEnv = "BERTH_BAD_INPUT_CONFIG_ONLY"
	// badCheckedMark is the line a child prints once it has checked its
	// case, so that a child that ran no test cannot pass for one.
	badCheckedMark = "bad-input case checked: "
	// exitBoundBroken is the child's exit code when a bound is broken and
	// the stuck command cannot be stopped.
	exitBoundBroken = 3
)

// badCase is one broken project on disk.
type badCase struct {
	name string
	dir  string // absolute; written as $DIR in goldens
	// configOnly skips the up --dry-run run. up reaches the loader through
	// the same call as config, which every other case checks; parsing 20 MB
	// a second time would only double the slowest cases (~25 s under -race).
	configOnly bool
}

func TestBadInput(t *testing.T) {
	if spec := os.Getenv(badCaseEnv); spec != "" {
		name, dir, _ := strings.Cut(spec, "=")
		// Deferred so that it is printed after a skip too; a failure
		// still fails the child.
		defer fmt.Println(badCheckedMark + name)
		checkBadCase(t, badCase{name: name, dir: dir, configOnly: os.Getenv(badConfigOnlyEnv) != ""})
		return
	}
	if testing.Short() {
		t.Skip("starts one test process per bad input")
	}
	cases := append(corpusCases(t), generatedCases(t)...)
	if len(cases) < 60 {
		t.Fatalf("bad-input corpus has %d cases, want at least 60", len(cases))
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// Each child measures only its own heap, so children may overlap;
			// -test.parallel (GOMAXPROCS by default) bounds how many.
			t.Parallel()
			runBadChild(t, c)
		})
	}
}

// runBadChild checks c in a copy of this test binary.
func runBadChild(t *testing.T, c badCase) {
	limit := 2*deadline() + badChildSlack
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	// -test.v: the parent reads the child's skip message.
	args := []string{"-test.run=^TestBadInput$", "-test.v"}
	if *update {
		args = append(args, "-update")
	}
	cmd := exec.CommandContext(ctx, os.Args[0], args...)
	cmd.Env = append(os.Environ(), badCaseEnv+"="+c.name+"="+c.dir)
	if c.configOnly {
		cmd.Env = append(cmd.Env, badConfigOnlyEnv+"=1")
	}
	out, err := cmd.CombinedOutput()
	kind, why := readGap(t, c)
	switch {
	case kind == gapUnbounded && cmd.ProcessState != nil && cmd.ProcessState.ExitCode() == exitBoundBroken:
		t.Skipf("known gap (%s): %s", kind, why)
	case ctx.Err() != nil:
		t.Fatalf("checking %s did not finish within %s:\n%s", c.name, limit, out)
	case err != nil:
		t.Fatalf("checking %s failed (%v):\n%s", c.name, err, out)
	case !bytes.Contains(out, []byte(badCheckedMark+c.name+"\n")):
		t.Fatalf("checking %s ran no check:\n%s", c.name, out)
	case bytes.Contains(out, []byte("--- SKIP")):
		t.Skipf("%s", skipReason(out))
	}
}

// skipReason picks the child's skip message out of its -v output.
func skipReason(out []byte) string {
	for line := range strings.Lines(string(out)) {
		if _, reason, ok := strings.Cut(line, "known gap "); ok {
			return "known gap " + strings.TrimSpace(reason)
		}
	}
	return "skipped"
}

// Kinds of known gap; see the comment at the top of this file.
const (
	gapAccepted  = "accepted"
	gapUnbounded = "unbounded"
	gapUnstable  = "unstable"
)

// readGap reads the case's known-gap file: its kind and why, or "" when
// there is none.
func readGap(t *testing.T, c badCase) (kind, why string) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(c.dir, "known-gap"))
	if os.IsNotExist(err) {
		return "", ""
	}
	if err != nil {
		t.Fatal(err)
	}
	kind, why, _ = strings.Cut(strings.TrimSpace(string(raw)), ":")
	switch kind {
	case gapAccepted, gapUnbounded, gapUnstable:
		return kind, strings.TrimSpace(why)
	}
	t.Fatalf("%s/known-gap starts with %q, want accepted:, unbounded: or unstable:", c.name, kind)
	return "", ""
}

// checkBadCase is the child's work: config -q and up --dry-run must both
// reject the case with the golden message.
func checkBadCase(t *testing.T, c badCase) {
	kind, why := readGap(t, c)
	extra := caseArgs(t, c)
	code, stdout, config := runBad(t, c, extra, false, "config", "-q")
	switch {
	case kind == gapAccepted && code == 0:
		t.Skipf("known gap (%s): %s", kind, why)
	case kind == gapAccepted:
		t.Fatalf("berth config -q now rejects %s (%q): delete its known-gap file and run go test -update", c.name, config)
	case code == 0:
		t.Fatalf("berth config -q on %s got exit 0, want an error\nstdout:\n%s", c.name, stdout)
	}
	if kind != gapUnstable {
		checkGolden(t, c, config)
	}
	if c.configOnly {
		return
	}
	code, _, up := runBad(t, c, extra, true, "--dry-run", "up", "-d")
	switch {
	case code == 0:
		t.Errorf("berth --dry-run up -d on %s got exit 0, want the error config -q gives:\n%s", c.name, config)
	case kind == gapUnstable:
		t.Skipf("known gap (%s): %s", kind, why)
	case up != config:
		t.Errorf("berth --dry-run up -d on %s got\n%s\nwant the same error as config -q:\n%s", c.name, up, config)
	}
	if kind == gapUnbounded {
		t.Errorf("berth now checks %s within the bounds: delete its known-gap file and run go test -update", c.name)
	}
}

// caseArgs reads the case's extra global flags.
func caseArgs(t *testing.T, c badCase) []string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(c.dir, "args"))
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var args []string
	for line := range strings.Lines(string(raw)) {
		if line = strings.TrimRight(line, "\r\n"); line != "" {
			args = append(args, strings.ReplaceAll(line, "$DIR", c.dir))
		}
	}
	return args
}

// corpusCases lists the case folders under testdata/bad.
func corpusCases(t *testing.T) []badCase {
	t.Helper()
	root, err := filepath.Abs(filepath.Join(repoRoot, "testdata", "bad"))
	if err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatalf("read the bad-input corpus: %v", err)
	}
	var cases []badCase
	for _, e := range entries {
		if e.IsDir() {
			cases = append(cases, badCase{name: e.Name(), dir: filepath.Join(root, e.Name())})
		}
	}
	return cases
}

// generatedCases writes the inputs too large to commit. Their directories
// are temporary, which $DIR hides in the goldens.
func generatedCases(t *testing.T) []badCase {
	t.Helper()
	gen := []struct {
		name       string
		compose    func() []byte
		configOnly bool
	}{
		{"gen-huge-file", hugeCompose, true},
		{"gen-huge-unknown-keys", hugeUnknownKeysCompose, true},
		{"gen-deep-block-nesting", deepBlockCompose, false},
		{"gen-deep-flow-nesting", deepFlowCompose, false},
	}
	var cases []badCase
	for _, g := range gen {
		dir := filepath.Join(t.TempDir(), g.name)
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "compose.yaml"), g.compose(), 0o644); err != nil {
			t.Fatal(err)
		}
		cases = append(cases, badCase{name: g.name, dir: dir, configOnly: g.configOnly})
	}
	return cases
}

// hugeCompose is a valid service followed by 20 MB of one repeated key in
// an extension field: a duplicate key, but one the parser may only notice
// after reading the lot.
func hugeCompose() []byte {
	var b bytes.Buffer
	b.WriteString("services:\n  web:\n    image: nginx\nx-junk:\n")
	line := "  key: " + strings.Repeat("v", 56) + "\n" // 64 bytes
	for b.Len() < 20<<20 {
		b.WriteString(line)
	}
	return b.Bytes()
}

// hugeUnknownKeysCompose is 20 MB of distinct keys inside a service: valid
// YAML that the schema rejects only once all of it is parsed.
func hugeUnknownKeysCompose() []byte {
	var b bytes.Buffer
	b.WriteString("services:\n  web:\n    image: nginx\n")
	for i := 0; b.Len() < 20<<20; i++ {
		fmt.Fprintf(&b, "    key%07d: %s\n", i, strings.Repeat("v", 48))
	}
	return b.Bytes()
}

// deepBlockCompose nests 10000 block sequences in an extension field,
// written compactly ("- - - …") so that the file stays small.
func deepBlockCompose() []byte {
	return []byte("services:\n  web:\n    image: nginx\nx-deep:\n  " +
		strings.Repeat("- ", 10000) + "x\n")
}

// deepFlowCompose nests 10000 flow sequences as a command: [[[[…]]]].
func deepFlowCompose() []byte {
	const depth = 10000
	return []byte("services:\n  web:\n    image: nginx\n    command: " +
		strings.Repeat("[", depth) + strings.Repeat("]", depth) + "\n")
}

// runBad runs berth in-process with the case's flags and args and returns
// its exit code, stdout and stderr, with the case directory written as $DIR
// and the working directory as $PWD. It ends the process if berth breaks
// badDeadline or badHeapLimit, because the stuck command cannot be
// stopped. With withEngine, up gets a fake engine, which a bad input must
// never reach.
func runBad(t *testing.T, c badCase, extra []string, withEngine bool, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	full := slices.Clone(extra)
	if !slices.ContainsFunc(full, func(a string) bool { return a == "-f" || a == "--file" }) {
		full = append(full, "-f", filepath.Join(c.dir, "compose.yaml"))
	}
	full = append(full, args...)

	var out, errOut syncBuffer
	root, g := newRoot(map[string]string{}, strings.NewReader(""), &out, &errOut)
	var connected atomic.Bool
	if withEngine {
		a := newApp(g, &out, &errOut)
		a.connect = func(context.Context, map[string]string) (engine.Engine, func() error, error) {
			connected.Store(true)
			return fake.New().Build(), func() error { return nil }, nil
		}
		a.notify = func(chan<- os.Signal) func() { return func() {} }
		a.exit = func(code int) { t.Errorf("berth %v exited the process with %d", full, code) }
		up := newUpCmd(a)
		if old, _, err := root.Find([]string{up.Name()}); err == nil && old != root {
			root.RemoveCommand(old)
		}
		root.AddCommand(up)
	}

	limit := deadline()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	type outcome struct {
		code  int
		panic any
		stack []byte
	}
	done := make(chan outcome, 1) // one send; the goroutine never blocks on it
	stop := watchHeap(func(growth uint64) {
		abort("berth %v grew the heap by more than %d MiB (%d MiB so far)", full, badHeapLimit>>20, growth>>20)
	})
	go func() {
		var o outcome
		defer func() {
			if r := recover(); r != nil {
				o.panic, o.stack = r, debug.Stack()
			}
			done <- o
		}()
		o.code = run(ctx, root, full, &errOut)
	}()
	var o outcome
	select {
	case o = <-done:
	case <-time.After(limit):
		abort("berth %v did not finish within %s", full, limit)
	}
	stop()
	if o.panic != nil {
		t.Fatalf("berth %v panicked: %v\n%s", full, o.panic, o.stack)
	}
	stderr = strings.ReplaceAll(errOut.String(), c.dir, "$DIR")
	if wd, err := os.Getwd(); err == nil {
		stderr = strings.ReplaceAll(stderr, wd, "$PWD")
	}
	if o.code != 0 && stderr == "" {
		t.Errorf("berth %v exited %d with nothing on stderr, want a message", full, o.code)
	}
	if connected.Load() {
		t.Errorf("berth %v connected to the engine, want the input rejected first", full)
	}
	return o.code, out.String(), stderr
}

// deadline is badDeadline, stretched when the race detector is on.
func deadline() time.Duration {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "-race" && s.Value == "true" {
				return raceSlowdown * badDeadline
			}
		}
	}
	return badDeadline
}

// abort ends a child whose command broke a bound: its goroutine cannot be
// stopped, so the only way to free the CPU and memory is to exit.
func abort(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(exitBoundBroken)
}

// watchHeap samples the live heap until stop is called and calls over
// (from its own goroutine) as soon as it has grown by more than
// badHeapLimit since the start.
func watchHeap(over func(growth uint64)) (stop func()) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	quit := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(memSampleEvery)
		defer tick.Stop()
		for {
			select {
			case <-quit:
				return
			case <-tick.C:
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				if ms.HeapAlloc > base && ms.HeapAlloc-base > badHeapLimit {
					over(ms.HeapAlloc - base)
				}
			}
		}
	}()
	return func() {
		close(quit)
		<-finished
	}
}

// checkGolden compares got with testdata/bad/NAME.golden, or rewrites it
// under -update.
func checkGolden(t *testing.T, c badCase, got string) {
	t.Helper()
	golden := filepath.Join("testdata", "bad", c.name+".golden")
	if *update {
		if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("read golden (run go test -update to create it): %v", err)
	}
	if got != string(want) {
		t.Errorf("berth config -q on %s got:\n%s\nwant (%s):\n%s", c.name, got, golden, want)
	}
}
