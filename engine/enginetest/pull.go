package enginetest

import (
	"errors"
	"testing"

	"github.com/berth-dev/berth/engine"
)

// testPullPushMissing: a reference the registry lacks fails to pull, and a
// local image that does not exist fails to push, both with a
// *engine.PullError matching engine.ErrNotFound, so that callers can tell
// "no such image" from "registry down"; the local store is unchanged.
func testPullPushMissing(t *testing.T, e *env) {
	if e.registry == nil {
		t.Skip("the harness names no registry")
	}
	ref := e.registry(t) + "/" + e.project + ":absent"
	err := e.eng.PullImage(e.ctx, ref, engine.PullOptions{})
	var pe *engine.PullError
	if !errors.As(err, &pe) {
		t.Errorf("PullImage(%s) got %v, want a *engine.PullError", ref, err)
	}
	wantErr(t, "PullImage(absent)", err, engine.ErrNotFound)
	if _, err := e.eng.InspectImage(e.ctx, ref); !errors.Is(err, engine.ErrNotFound) {
		t.Errorf("after a failed pull InspectImage(%s) got %v, want ErrNotFound", ref, err)
	}
	err = e.eng.PushImage(e.ctx, ref, nil)
	wantErr(t, "PushImage(absent)", err, engine.ErrNotFound)
}
