package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
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

const (
	// badDeadline is the hard bound on one command over one bad input.
	badDeadline = 10 * time.Second
	// badHeapLimit bounds how much the heap may grow while berth reads a
	// bad input; a YAML bomb that expands its aliases would blow far past it.
	badHeapLimit = 512 << 20
	// memSampleEvery is how often the heap is sampled for its peak.
	memSampleEvery = 5 * time.Millisecond
)

// badCase is one broken project on disk.
type badCase struct {
	name string
	dir  string   // absolute; written as $DIR in goldens
	args []string // global flags before the command
}

func TestBadInput(t *testing.T) {
	cases := append(corpusCases(t), generatedCases(t)...)
	if len(cases) < 60 {
		t.Fatalf("bad-input corpus has %d cases, want at least 60", len(cases))
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			config := runBad(t, c, false, "config", "-q")
			checkGolden(t, c, config)
			up := runBad(t, c, true, "--dry-run", "up", "-d")
			if up != config {
				t.Errorf("berth up --dry-run on %s got\n%s\nwant the same message as config -q:\n%s", c.name, up, config)
			}
		})
	}
}

// corpusCases reads the case folders under testdata/bad.
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
		if !e.IsDir() {
			continue
		}
		c := badCase{name: e.Name(), dir: filepath.Join(root, e.Name())}
		raw, err := os.ReadFile(filepath.Join(c.dir, "args"))
		switch {
		case err == nil:
			for line := range strings.Lines(string(raw)) {
				if line = strings.TrimRight(line, "\r\n"); line != "" {
					c.args = append(c.args, strings.ReplaceAll(line, "$DIR", c.dir))
				}
			}
		case !os.IsNotExist(err):
			t.Fatal(err)
		}
		cases = append(cases, c)
	}
	return cases
}

// generatedCases writes the inputs too large to commit: a 20 MB file and
// 10000 levels of nesting. Their directories are temporary, so their
// goldens use fixed names.
func generatedCases(t *testing.T) []badCase {
	t.Helper()
	gen := []struct {
		name    string
		compose func() []byte
	}{
		{"gen-huge-file", hugeCompose},
		{"gen-deep-nesting", deepCompose},
		{"gen-deep-flow-nesting", deepFlowCompose},
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
		cases = append(cases, badCase{name: g.name, dir: dir})
	}
	return cases
}

// hugeCompose is a valid service followed by 20 MB of one repeated key in
// an extension field: a duplicate key, but only after the parser has read
// the lot.
func hugeCompose() []byte {
	var b bytes.Buffer
	b.WriteString("services:\n  web:\n    image: nginx\nx-junk:\n")
	line := "  key: " + strings.Repeat("v", 57) + "\n" // 64 bytes
	for b.Len() < 20<<20 {
		b.WriteString(line)
	}
	return b.Bytes()
}

// deepCompose nests 10000 block mappings under one service label.
func deepCompose() []byte {
	var b bytes.Buffer
	b.WriteString("services:\n  web:\n    image: nginx\n    x-deep:\n")
	for i := range 10000 {
		b.WriteString(strings.Repeat(" ", 6+i%2))
		fmt.Fprintf(&b, "%s\n", "a:")
	}
	return b.Bytes()
}

// deepFlowCompose nests 10000 flow sequences: [[[[...]]]].
func deepFlowCompose() []byte {
	const depth = 10000
	return []byte("services:\n  web:\n    image: nginx\n    command: " +
		strings.Repeat("[", depth) + strings.Repeat("]", depth) + "\n")
}

// runBad runs berth with args on the case and returns its stderr with the
// case directory written as $DIR. It fails the test unless berth exits
// non-zero, without panicking, within badDeadline and badHeapLimit. With
// withEngine the lifecycle command gets a fake engine, which a bad input
// must never reach.
func runBad(t *testing.T, c badCase, withEngine bool, args ...string) string {
	t.Helper()
	full := slices.Clone(c.args)
	if !slices.ContainsFunc(full, func(a string) bool { return a == "-f" || a == "--file" }) {
		full = append(full, "-f", filepath.Join(c.dir, "compose.yaml"))
	}
	full = append(full, args...)

	var stdout, stderr syncBuffer
	root, g := newRoot(map[string]string{}, strings.NewReader(""), &stdout, &stderr)
	var connected atomic.Bool
	if withEngine {
		a := newApp(g, &stdout, &stderr)
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

	ctx, cancel := context.WithTimeout(context.Background(), badDeadline)
	defer cancel()
	type outcome struct {
		code  int
		panic any
		stack []byte
	}
	done := make(chan outcome, 1) // one send; the goroutine never blocks
	var (
		o        outcome
		finished bool
	)
	growth := watchHeap(func() {
		go func() {
			var o outcome
			defer func() {
				if r := recover(); r != nil {
					o.panic, o.stack = r, debug.Stack()
				}
				done <- o
			}()
			o.code = run(ctx, root, full, &stderr)
		}()
		select {
		case o = <-done:
			finished = true
		case <-time.After(badDeadline):
		}
	})
	if !finished {
		t.Fatalf("berth %v did not finish within %s", full, badDeadline)
	}
	if o.panic != nil {
		t.Fatalf("berth %v panicked: %v\n%s", full, o.panic, o.stack)
	}
	if growth > badHeapLimit {
		t.Errorf("berth %v grew the heap by %d MiB, want at most %d MiB", full, growth>>20, badHeapLimit>>20)
	}
	got := strings.ReplaceAll(stderr.String(), c.dir, "$DIR")
	if o.code == 0 {
		t.Errorf("berth %v got exit 0, want an error\nstdout:\n%s\nstderr:\n%s", full, stdout.String(), got)
	}
	if got == "" {
		t.Errorf("berth %v exited %d with nothing on stderr, want a message", full, o.code)
	}
	if connected.Load() {
		t.Errorf("berth %v connected to the engine, want the input rejected first", full)
	}
	return got
}

// watchHeap runs fn and returns how far the live heap grew above where it
// started, sampled while fn runs.
func watchHeap(fn func()) uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base, peak := ms.HeapAlloc, ms.HeapAlloc
	stop := make(chan struct{})
	sampled := make(chan uint64)
	go func() {
		tick := time.NewTicker(memSampleEvery)
		defer tick.Stop()
		high := peak
		for {
			select {
			case <-stop:
				sampled <- high
				return
			case <-tick.C:
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				high = max(high, ms.HeapAlloc)
			}
		}
	}()
	fn()
	close(stop)
	peak = <-sampled
	runtime.ReadMemStats(&ms)
	peak = max(peak, ms.HeapAlloc)
	if peak < base {
		return 0
	}
	return peak - base
}

// checkGolden compares got with cmd/berth/testdata/bad/NAME.golden, or
// rewrites it under -update.
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
