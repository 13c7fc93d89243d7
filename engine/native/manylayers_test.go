package native

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/internal/testimage"
)

// TestManyLayers starts a container of 130 layers, more than one page of
// overlayfs options holds with absolute paths (about 40) and more than
// docker's 125, and reads a file from the bottom, middle and top layers.
func TestManyLayers(t *testing.T) {
	const n = 130
	e := newTestEngine(t, testimage.LayeredArchive(t, n))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	id := runTestContainer(ctx, t, e, "manylayers", types.ServiceConfig{Image: testimage.LayeredRef})
	for _, tc := range []struct{ file, want string }{
		{"/layers/1", ""},
		{"/layers/64", ""},
		{"/layers/129", ""},
		{"/layers/top", "129"},
	} {
		var out bytes.Buffer
		code, err := e.Exec(ctx, id, engine.ExecSpec{Cmd: []string{testimage.Entrypoint, "cat", tc.file}}, engine.Streams{Stdout: &out, Stderr: &out})
		if err != nil || code != 0 {
			t.Errorf("cat %s: code %d, %v: %s", tc.file, code, err, out.String())
			continue
		}
		if got := strings.TrimSpace(out.String()); got != tc.want {
			t.Errorf("cat %s = %q, want %q", tc.file, got, tc.want)
		}
	}
}
