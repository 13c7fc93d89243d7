package docker

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/internal/testimage"
)

// daemonTest gives each integration test its own engine and project name,
// and removes everything labelled with that project when the test ends,
// whether it passed or not.
type daemonTest struct {
	t       *testing.T
	e       *Engine
	project string
	image   string
}

var unsafeProjectChars = regexp.MustCompile(`[^a-z0-9_-]+`)

func newDaemonTest(t *testing.T) *daemonTest {
	t.Helper()
	testimage.RequireDocker(t)
	image := testimage.Ensure(t)
	environ := map[string]string{}
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		environ[k] = v
	}
	opts, err := OptionsFromEnv(environ, "")
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	suffix := make([]byte, 3)
	_, _ = rand.Read(suffix)
	name := strings.Trim(unsafeProjectChars.ReplaceAllString(strings.ToLower(t.Name()), "-"), "-")
	if len(name) > 40 {
		name = name[:40]
	}
	d := &daemonTest{t: t, e: e, project: "berthtest-" + name + "-" + hex.EncodeToString(suffix), image: image}
	t.Cleanup(d.cleanup)
	return d
}

func (d *daemonTest) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	d.t.Cleanup(cancel)
	return ctx
}

// cleanup removes the project's containers, networks, volumes and images.
// It reports failures but keeps going, so that one leftover does not hide
// the others.
func (d *daemonTest) cleanup() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ctrs, err := d.e.Containers(ctx, d.project)
	if err != nil {
		d.t.Errorf("cleanup: %v", err)
	}
	for _, c := range ctrs {
		if err := d.e.RemoveContainer(ctx, c.ID, engine.RemoveOptions{Force: true, Volumes: true}); err != nil && !errors.Is(err, engine.ErrNotFound) {
			d.t.Errorf("cleanup: %v", err)
		}
	}
	nets, _ := d.e.Networks(ctx, d.project)
	for _, n := range nets {
		if err := d.e.RemoveNetwork(ctx, n.ID); err != nil && !errors.Is(err, engine.ErrNotFound) {
			d.t.Errorf("cleanup: %v", err)
		}
	}
	vols, _ := d.e.Volumes(ctx, d.project)
	for _, v := range vols {
		if err := d.e.RemoveVolume(ctx, v.Name); err != nil && !errors.Is(err, engine.ErrNotFound) {
			d.t.Errorf("cleanup: %v", err)
		}
	}
	imgs, _ := d.e.Images(ctx)
	for _, img := range imgs {
		if img.Labels[engine.LabelProject] == d.project {
			for _, tag := range img.Tags {
				_ = d.e.RemoveImage(ctx, tag)
			}
		}
	}
	_ = d.e.Close()
}

func (d *daemonTest) labels(service string) map[string]string {
	return map[string]string{
		engine.LabelProject: d.project,
		engine.LabelService: service,
		engine.LabelNumber:  "1",
		engine.LabelOneoff:  "False",
	}
}

// spec is a container of the test image running args, attached to nets
// with the container and service names as aliases, as compose does.
func (d *daemonTest) spec(service string, args []string, nets ...string) engine.ContainerSpec {
	name := d.project + "-" + service + "-1"
	s := engine.ContainerSpec{
		Name:    name,
		Service: types.ServiceConfig{Name: service, Image: d.image, Command: args},
		Labels:  d.labels(service),
	}
	for _, n := range nets {
		s.Networks = append(s.Networks, engine.NetworkAttachment{Network: n, Aliases: []string{name, service}})
	}
	return s
}

func (d *daemonTest) network(name string) string {
	d.t.Helper()
	full := d.project + "_" + name
	labels := map[string]string{engine.LabelProject: d.project, engine.LabelNetwork: name}
	if _, err := d.e.CreateNetwork(d.ctx(), engine.NetworkSpec{Name: full, Labels: labels}); err != nil {
		d.t.Fatal(err)
	}
	return full
}

func (d *daemonTest) run(spec engine.ContainerSpec) string {
	d.t.Helper()
	id, err := d.e.CreateContainer(d.ctx(), spec)
	if err != nil {
		d.t.Fatal(err)
	}
	if err := d.e.StartContainer(d.ctx(), id); err != nil {
		d.t.Fatal(err)
	}
	return id
}

// eventually polls f until it returns nil or the deadline passes.
func eventually(t *testing.T, within time.Duration, f func() error) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("still failing after %s: %v", within, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
