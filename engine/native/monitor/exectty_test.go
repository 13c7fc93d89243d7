package monitor

import (
	"context"
	"encoding/json"
	"io"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-dev/berth/internal/ttytest"
)

// TestExecTTYResize runs a shell in a terminal that prints the terminal's
// size for each line it reads: the first size is there from the start,
// and a later one reaches the process.
func TestExecTTYResize(t *testing.T) {
	c := newContainer(t, containerOpts{args: []string{"sleep", "1000"}})
	startMonitor(t, c)
	c.waitState(t, "running", func(s State) bool { return s.Status == StatusRunning })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	sizes := make(chan TermSize, 1) // as the engine's: the latest size only
	sizes <- TermSize{Rows: 30, Cols: 100}
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	probe := ttytest.NewProbe(inW, outR)
	proc := &specs.Process{
		Terminal: true,
		Args:     []string{"sh", "-c", `while read x && [ "$x" != q ]; do busybox stty size; done`},
		Env:      []string{"PATH=/bin"},
		Cwd:      "/",
	}
	procJSON, err := json.Marshal(proc)
	if err != nil {
		t.Fatal(err)
	}
	type result struct {
		code int
		err  error
	}
	done := make(chan result, 1)
	go func() {
		code, err := c.runc.ExecTTY(ctx, c.id, procJSON, inR, outW, sizes)
		outW.Close()
		done <- result{code, err}
	}()
	probe.WaitSize(t, "30 100")
	sizes <- TermSize{Rows: 40, Cols: 120}
	probe.WaitSize(t, "40 120")
	probe.Quit(t)
	if r := <-done; r.err != nil || r.code != 0 {
		t.Errorf("ExecTTY = %d, %v; want 0", r.code, r.err)
	}
}
