package native

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/internal/testimage"
)

// TestInitLayer starts a container of an image that has no /etc, /proc,
// /dev or /sys: the init layer provides their mountpoints, so that nothing
// is created in the container's upper directory, and the files bind-mounted
// on them are what the container reads.
func TestInitLayer(t *testing.T) {
	e := newTestEngine(t, testimage.Archive(t))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	id := runTestContainer(ctx, t, e, "initlayer", types.ServiceConfig{Hostname: "webhost"})
	upper, err := os.ReadDir(filepath.Join(e.containerDir(id), "upper"))
	if err != nil {
		t.Fatal(err)
	}
	for _, ent := range upper {
		t.Errorf("the container's upper directory holds %s: the init layer should have had it", ent.Name())
	}
	for _, f := range []struct{ path, want string }{{"/etc/hostname", "webhost\n"}, {"/etc/hosts", "127.0.0.1\tlocalhost"}, {"/etc/resolv.conf", "nameserver 127.0.0.11"}} {
		var out bytes.Buffer
		code, err := e.Exec(ctx, id, engine.ExecSpec{Cmd: []string{testimage.Entrypoint, "cat", f.path}}, engine.Streams{Stdout: &out, Stderr: &out})
		if err != nil || code != 0 {
			t.Fatalf("cat %s: code %d, %v: %s", f.path, code, err, out.String())
		}
		if !strings.Contains(out.String(), f.want) {
			t.Errorf("%s in the container:\n%s\nwant it to hold %q", f.path, out.String(), f.want)
		}
	}
	dirs, files := initLayerContents()
	for _, d := range slices.Concat(dirs, files) {
		st, err := os.Stat(filepath.Join(e.root, initLayerDir, d))
		if err != nil {
			t.Fatal(err)
		}
		want := os.FileMode(0o644)
		if st.IsDir() {
			want = os.ModeDir | 0o755
		}
		if st.Mode() != want {
			t.Errorf("init layer's %s: mode %v, want %v", d, st.Mode(), want)
		}
	}
}
