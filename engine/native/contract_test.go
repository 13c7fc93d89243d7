package native

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/registry"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/enginetest"
	"github.com/berth-dev/berth/engine/native/monitorproc"
	"github.com/berth-dev/berth/internal/testimage"
)

// TestMain lets the test binary stand in for berth-monitor as the monitor
// the engine starts, `<test binary> native-monitor DIR`, and for berth as
// the remover a monitor runs, `<test binary> native-teardown DIR`.
func TestMain(m *testing.M) {
	if len(os.Args) == 3 {
		run := map[string]func(context.Context, string) error{
			monitorproc.Command:         monitorproc.Main,
			monitorproc.TeardownCommand: AutoRemove,
		}[os.Args[1]]
		if run != nil {
			if err := run(context.Background(), os.Args[2]); err != nil {
				fmt.Fprintf(os.Stderr, "%s: %v\n", os.Args[1], err)
				os.Exit(1)
			}
			os.Exit(0)
		}
	}
	os.Exit(m.Run())
}

// requireHost skips (or, under CI, fails) t unless it runs as root with
// runc installed: what the engine needs.
func requireHost(t *testing.T) {
	t.Helper()
	var why string
	if os.Geteuid() != 0 {
		why = "the native engine needs root"
	} else if _, err := exec.LookPath("runc"); err != nil {
		why = "the native engine needs runc in PATH"
	}
	if why == "" {
		return
	}
	if os.Getenv("CI") == "" {
		t.Skip(why + " (set CI=1 to make this a failure)")
	}
	t.Fatal(why)
}

// newTestEngine opens an engine on a fresh state directory holding the
// test image, and removes everything in it when t ends.
func newTestEngine(t *testing.T, archives ...string) *Engine {
	t.Helper()
	requireHost(t)
	root, err := os.MkdirTemp("", "berth-native-test-")
	if err != nil {
		t.Fatal(err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(Options{Root: root, Exe: exe})
	if err != nil {
		os.RemoveAll(root)
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := removeAll(e); err != nil {
			t.Errorf("clean up the test engine in %s (left in place): %v", root, err)
			return
		}
		if err := os.RemoveAll(root); err != nil {
			t.Errorf("remove %s: %v", root, err)
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, a := range archives {
		f, err := os.Open(a)
		if err != nil {
			t.Fatal(err)
		}
		_, err = e.LoadImages(ctx, f)
		f.Close()
		if err != nil {
			t.Fatalf("load %s: %v", a, err)
		}
	}
	return e
}

// removeAll removes every container, network and volume of e, so that
// nothing the test made is left in the kernel.
func removeAll(e *Engine) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var errs []string
	cs, err := e.allContainers()
	if err != nil {
		return err
	}
	for _, c := range cs {
		if err := e.RemoveContainer(ctx, c.ID, engine.RemoveOptions{Force: true, Volumes: true}); err != nil {
			errs = append(errs, err.Error())
		}
	}
	ns, err := e.allNetworks()
	if err != nil {
		return err
	}
	for _, n := range ns {
		if err := e.RemoveNetwork(ctx, n.ID); err != nil {
			errs = append(errs, err.Error())
		}
	}
	vs, err := e.listVolumes(func(*volume) bool { return true })
	if err != nil {
		return err
	}
	for _, v := range vs {
		if err := e.RemoveVolume(ctx, v.Name); err != nil {
			errs = append(errs, err.Error())
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return nil
}

// TestContract runs the engine contract suite, which the docker and fake
// engines pass, against the native engine.
func TestContract(t *testing.T) {
	requireHost(t)
	e := newTestEngine(t, testimage.Archive(t))
	enginetest.Run(t, enginetest.Harness{
		New:   func(t *testing.T) engine.Engine { return e },
		Image: testimage.Ref,
		Registry: func(t *testing.T) string {
			srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
			t.Cleanup(srv.Close)
			return strings.TrimPrefix(srv.URL, "http://")
		},
		ExecPrefix: []string{testimage.Entrypoint},
	})
}
