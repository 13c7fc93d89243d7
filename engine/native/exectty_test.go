package native

import (
	"context"
	"io"
	"math"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/native/monitor"
	"github.com/berth-dev/berth/internal/testimage"
	"github.com/berth-dev/berth/internal/ttytest"
)

func TestTermSize(t *testing.T) {
	for _, tc := range []struct {
		in   engine.Size
		want monitor.TermSize
	}{
		{engine.Size{Height: 24, Width: 80}, monitor.TermSize{Rows: 24, Cols: 80}},
		{engine.Size{}, monitor.TermSize{}},
		{engine.Size{Height: 1 << 20, Width: math.MaxUint16}, monitor.TermSize{Rows: math.MaxUint16, Cols: math.MaxUint16}},
	} {
		if got := termSize(tc.in); got != tc.want {
			t.Errorf("termSize(%+v) got %+v, want %+v", tc.in, got, tc.want)
		}
	}
}

// TestForwardSizesKeepsLatest sends sizes faster than they are taken: the
// one left to take is the last.
func TestForwardSizesKeepsLatest(t *testing.T) {
	in := make(chan engine.Size)
	out := make(chan monitor.TermSize, 1)
	done := make(chan struct{})
	ended := make(chan struct{})
	go func() { forwardSizes(done, in, out); close(ended) }()
	for i := uint(1); i <= 5; i++ {
		in <- engine.Size{Height: i, Width: i}
	}
	close(done)
	<-ended
	if got, want := <-out, (monitor.TermSize{Rows: 5, Cols: 5}); got != want {
		t.Errorf("size left = %+v, want %+v", got, want)
	}
}

// TestExecTTYResize runs `exec -t` of a shell that prints its terminal's
// size for each line it reads: it starts with the caller's size, and
// follows a resize.
func TestExecTTYResize(t *testing.T) {
	e := newTestEngine(t, testimage.ShellArchive(t))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	id, err := e.CreateContainer(ctx, engine.ContainerSpec{
		Name:    "exectty-sh-1",
		Service: types.ServiceConfig{Name: "sh", Image: testimage.ShellRef, Command: []string{"sleep", "1000"}},
		Labels:  map[string]string{engine.LabelProject: "exectty", engine.LabelService: "sh"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.StartContainer(ctx, id); err != nil {
		t.Fatal(err)
	}
	resize := make(chan engine.Size, 1) // as ui.WatchSize's
	resize <- engine.Size{Height: 30, Width: 100}
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	probe := ttytest.NewProbe(inW, outR)
	type result struct {
		code int
		err  error
	}
	done := make(chan result, 1)
	go func() {
		code, err := e.Exec(ctx, id, engine.ExecSpec{Cmd: []string{"sh", "-c", `while read x && [ "$x" != q ]; do stty size; done`}},
			engine.Streams{Stdin: inR, Stdout: outW, TTY: true, Resize: resize})
		outW.Close()
		done <- result{code, err}
	}()
	probe.WaitSize(t, "30 100")
	resize <- engine.Size{Height: 40, Width: 120}
	probe.WaitSize(t, "40 120")
	probe.Quit(t)
	if r := <-done; r.err != nil || r.code != 0 {
		t.Errorf("Exec = %d, %v; want 0", r.code, r.err)
	}
}
