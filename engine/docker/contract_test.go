package docker

import (
	"testing"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/enginetest"
	"github.com/berth-dev/berth/internal/testimage"
)

// TestContract runs the engine contract suite, which engine/fake also
// passes, against the real daemon.
func TestContract(t *testing.T) {
	testimage.RequireDocker(t)
	image := testimage.Ensure(t)
	enginetest.Run(t, enginetest.Harness{
		New: func(t *testing.T) engine.Engine {
			// newDaemonTest's own cleanup covers the project it names; the
			// suite names and removes its projects itself.
			return newDaemonTest(t).e
		},
		Image:      image,
		ExecPrefix: []string{testimage.Entrypoint},
	})
}
