package ocispec

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-dev/berth/engine"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// fixture is the x-test block of a testdata/build or testdata/mounts file:
// what the engine would pass besides the service.
type fixture struct {
	Image      v1.Config         `json:"image"`
	Namespaces []string          `json:"namespaces"` // new namespaces; default pid, network, ipc, uts, mount
	Join       map[string]string `json:"join"`       // namespaces joined by path
	Hostname   string            `json:"hostname"`
	Terminal   bool              `json:"terminal"`
	Init       string            `json:"init"`
	Mounts     []specs.Mount     `json:"mounts"`
	Error      string            `json:"error"` // Build must fail with an error containing this
}

// load reads a one-service compose file with compose-go, as berth's loader
// does, and returns the service and its x-test block.
func load(t *testing.T, file string) (types.ServiceConfig, fixture) {
	t.Helper()
	file, err := filepath.Abs(file)
	if err != nil {
		t.Fatal(err)
	}
	content, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	project, err := loader.LoadWithContext(context.Background(), types.ConfigDetails{
		WorkingDir:  filepath.Dir(file),
		ConfigFiles: []types.ConfigFile{{Filename: file, Content: content}},
		Environment: types.Mapping{"FROM_SHELL": "shell-value"},
	}, func(o *loader.Options) { o.SetProjectName("shop", true) })
	if err != nil {
		t.Fatalf("load %s: %v", file, err)
	}
	var fx fixture
	if raw, ok := project.Extensions["x-test"]; ok {
		b, err := json.Marshal(raw)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &fx); err != nil {
			t.Fatalf("%s: x-test: %v", file, err)
		}
	}
	names := project.ServiceNames()
	if len(names) != 1 {
		t.Fatalf("%s: want one service, have %v", file, names)
	}
	return project.Services[names[0]], fx
}

func (fx fixture) input(t *testing.T, s types.ServiceConfig) Input {
	rootfs, err := filepath.Abs(filepath.Join("testdata", "rootfs"))
	if err != nil {
		t.Fatal(err)
	}
	in := Input{
		Service: s, Image: fx.Image, Rootfs: rootfs, Hostname: fx.Hostname,
		Mounts: fx.Mounts, CgroupsPath: "/berth/0123456789ab", Terminal: fx.Terminal, Init: fx.Init,
		Namespaces: map[specs.LinuxNamespaceType]string{},
	}
	if in.Hostname == "" {
		in.Hostname = "0123456789ab"
	}
	ns := fx.Namespaces
	if ns == nil {
		ns = []string{"pid", "network", "ipc", "uts", "mount"}
	}
	for _, n := range ns {
		in.Namespaces[specs.LinuxNamespaceType(n)] = ""
	}
	for n, p := range fx.Join {
		in.Namespaces[specs.LinuxNamespaceType(n)] = p
	}
	return in
}

// fakeHost stands for a machine with one disk, where berth holds every
// capability but CAP_SYS_RESOURCE (as some CI sandboxes).
var fakeHost = host{
	devices: func() ([]specs.LinuxDevice, error) {
		mode, id := os.FileMode(0o660), uint32(0)
		return []specs.LinuxDevice{{Path: "/dev/sda", Type: "b", Major: 8, Minor: 0, FileMode: &mode, UID: &id, GID: &id}}, nil
	},
	bound: func() ([]string, error) {
		return slices.DeleteFunc(slices.Clone(allCapabilities), func(c string) bool { return c == "CAP_SYS_RESOURCE" }), nil
	},
	seccomp: func() (bool, error) { return true, nil },
}

// TestBuild builds the spec of each testdata/build/*.yaml and compares it
// with the .golden.json beside it, or checks the error x-test.error names.
func TestBuild(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "build", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures in testdata/build (%v)", err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".yaml")
		t.Run(name, func(t *testing.T) {
			s, fx := load(t, file)
			in := fx.input(t, s)
			in.ProjectDir = filepath.Dir(file) // as the loader's working directory
			spec, err := build(in, fakeHost)
			if fx.Error != "" {
				if err == nil || !strings.Contains(err.Error(), fx.Error) {
					t.Fatalf("Build(%s) = error %v, want one containing %q", name, err, fx.Error)
				}
				checkUnsupported(t, err, s.Name)
				return
			}
			if err != nil {
				t.Fatalf("Build(%s) got error %v, want none", name, err)
			}
			compareGolden(t, strings.TrimSuffix(file, ".yaml")+".golden.json", goldenView(spec), "")
		})
	}
}

// checkUnsupported checks that err, which names service, matches
// engine.ErrUnsupported when it says a key is not supported (and names the
// engine), and only then: a mistake in the file is no engine's limit.
func checkUnsupported(t *testing.T, err error, service string) {
	t.Helper()
	if want := fmt.Sprintf("service %q: ", service); !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not name the service (%s)", err, want)
	}
	says := strings.Contains(err.Error(), "not supported by the native engine")
	if is := errors.Is(err, engine.ErrUnsupported); is != says {
		t.Errorf("errors.Is(%q, engine.ErrUnsupported) = %v, want %v", err, is, says)
	}
}

// compareGolden compares v as indented JSON with the golden file, after
// replacing dir (a temporary or fixture path) with $DIR.
func compareGolden(t *testing.T, golden string, v any, dir string) {
	t.Helper()
	got, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if dir != "" {
		got = bytes.ReplaceAll(got, []byte(dir), []byte("$DIR"))
	}
	got = append(got, '\n')
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("differs from %s (-want +got):\n%s", golden, diff)
	}
}
