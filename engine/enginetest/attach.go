package enginetest

import (
	"errors"
	"io"
	"strconv"
	"testing"

	"github.com/berth-dev/berth/engine"
)

func testExec(t *testing.T, e *env) {
	id := e.create(e.spec(e.project, "web"))
	_, err := e.eng.Exec(e.ctx, id, engine.ExecSpec{Cmd: e.exitCmd(0)}, engine.Streams{Stdout: io.Discard})
	wantErr(t, "Exec in a created container", err, engine.ErrConflict)
	e.start(id)
	code, err := e.eng.Exec(e.ctx, id, engine.ExecSpec{Cmd: e.exitCmd(3)}, engine.Streams{Stdout: io.Discard, Stderr: io.Discard})
	if err != nil || code != 3 {
		t.Errorf("Exec(exit 3) got %d, %v; want 3", code, err)
	}
	code, err = e.eng.Exec(e.ctx, id, engine.ExecSpec{Cmd: e.exitCmd(4), Detach: true}, engine.Streams{})
	if err != nil || code != 0 {
		t.Errorf("Exec(exit 4, detached) got %d, %v; want 0 at once", code, err)
	}
	e.stop(id)
}

func testAttachBeforeStart(t *testing.T, e *env) {
	spec := e.spec(e.project, "job", "exit", "3")
	id := e.create(spec)
	wait, err := e.eng.AttachContainer(e.ctx, id, engine.Streams{Stdout: io.Discard, Stderr: io.Discard})
	if err != nil {
		t.Fatalf("AttachContainer: %v", err)
	}
	e.start(id)
	if err := wait(); err != nil {
		t.Errorf("attachment to a container that exits got %v, want nil", err)
	}
	code, err := e.eng.WaitContainer(e.ctx, id)
	if err != nil || code != 3 {
		t.Errorf("WaitContainer after the attachment ended got %d, %v; want 3", code, err)
	}
	_, err = e.eng.AttachContainer(e.ctx, "no-such-container-"+e.project, engine.Streams{})
	if !errors.Is(err, engine.ErrNotFound) {
		t.Errorf("AttachContainer(missing) got %v, want ErrNotFound", err)
	}
}

// exitCmd is a command that exits with code in a running container of the
// suite's image: the test program's exit subcommand.
func (e *env) exitCmd(code int) []string {
	return append(append([]string{}, e.execPrefix...), "exit", strconv.Itoa(code))
}
