package docker

import (
	"io"
	"log"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/registry"

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
		Image: image,
		Registry: func(t *testing.T) string {
			srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
			t.Cleanup(srv.Close)
			return strings.TrimPrefix(srv.URL, "http://")
		},
		ExecPrefix: []string{testimage.Entrypoint},
	})
}
