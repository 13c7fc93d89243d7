// Package enginetest is the contract every berth engine must meet, written
// once and run against each implementation, in the manner of
// testing/fstest.TestFS: engine/fake runs it in its unit tests, engine/docker
// in its integration tests.
//
// # Usage
//
//	func TestContract(t *testing.T) {
//		enginetest.Run(t, enginetest.Harness{
//			New:     func(t *testing.T) engine.Engine { return newEngine(t) },
//			Image:   "berth-test:latest",
//			Project: enginetest.ProjectName,
//		})
//	}
//
// Each subtest uses its own project name and removes everything labelled
// with it when it ends, pass or fail. Subtests run one after another and
// never sleep: the suite relies on StartContainer and StopContainer
// returning once the state has changed, and on WaitContainer blocking.
package enginetest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/berth-dev/berth/engine"
)

// Harness tells the suite how to reach an engine.
type Harness struct {
	// New returns the engine under test; it is called once per subtest.
	New func(t *testing.T) engine.Engine
	// Image is a reference that exists in the engine. A container created
	// from it with no command must keep running (berth's test image runs
	// "sleep"), and with the command ["exit", "N"] must exit with code N.
	Image string
	// Project returns a project name unique to t and registers any cleanup
	// the engine needs beyond what the suite removes itself. Nil means
	// ProjectName.
	Project func(t *testing.T) string
	// Registry returns the host[:port] of a registry the engine can reach
	// without credentials; nil skips the pull and push contract.
	Registry func(t *testing.T) string
	// ExecPrefix goes in front of ["exit", "N"] to make a process that Exec
	// can run in a container of Image and that exits with N: berth's test
	// image needs its program's path, testimage.Entrypoint.
	ExecPrefix []string
}

// subtestTimeout bounds each subtest, so that a hung engine call fails the
// test instead of the whole run.
const subtestTimeout = 60 * time.Second

// Run runs the contract suite against h, one subtest per behaviour.
func Run(t *testing.T, h Harness) {
	t.Helper()
	if h.New == nil || h.Image == "" {
		t.Fatal("enginetest.Run: Harness.New and Harness.Image are required")
	}
	tests := []struct {
		name string
		fn   func(t *testing.T, e *env)
	}{
		{"CreateAndListByProject", testCreateAndList},
		{"DuplicateContainerNameConflicts", testDuplicateContainerName},
		{"StartStopInspect", testStartStopInspect},
		{"InspectByNameAndIDPrefix", testInspectByNameAndIDPrefix},
		{"RemoveRunningNeedsForce", testRemoveRunning},
		{"Rename", testRename},
		{"WaitReturnsExitCode", testWaitExitCode},
		{"NetworkLifecycle", testNetworkLifecycle},
		{"DuplicateNetworkNameConflicts", testDuplicateNetworkName},
		{"NetworkActiveEndpoints", testNetworkActiveEndpoints},
		{"AttachesAllNetworks", testAttachesAllNetworks},
		{"ConnectDisconnect", testConnectDisconnect},
		{"VolumeLifecycle", testVolumeLifecycle},
		{"VolumeInUseConflicts", testVolumeInUse},
		{"Images", testImages},
		{"NotFound", testNotFound},
		{"PauseUnpauseKill", testPauseUnpauseKill},
		{"Top", testTop},
		{"ProjectContainers", testProjectContainers},
		{"Copy", testCopy},
		{"PullAndPushMissing", testPullPushMissing},
		{"SubnetOverlap", testSubnetOverlap},
		{"Exec", testExec},
		{"AttachBeforeStart", testAttachBeforeStart},
		{"ProjectNetworksAndVolumes", testProjectNetworksAndVolumes},
		{"Watcher", testWatcher},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, newEnv(t, h))
		})
	}
}

// env is one subtest's engine, project and context.
type env struct {
	t       *testing.T
	ctx     context.Context
	eng     engine.Engine
	image   string
	project string
	// other is a second project, to check that lists filter by project.
	other string
	// registry is Harness.Registry.
	registry   func(t *testing.T) string
	execPrefix []string
}

func newEnv(t *testing.T, h Harness) *env {
	t.Helper()
	projectFn := h.Project
	if projectFn == nil {
		projectFn = ProjectName
	}
	e := &env{t: t, eng: h.New(t), image: h.Image, project: projectFn(t), registry: h.Registry, execPrefix: h.ExecPrefix}
	e.other = e.project + "-other"
	ctx, cancel := context.WithTimeout(context.Background(), subtestTimeout)
	e.ctx = ctx
	// Registered after the harness's cleanups, so it runs before them.
	t.Cleanup(func() {
		defer cancel()
		// Cleanup must run even when the subtest's context has expired.
		cctx, ccancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer ccancel()
		for _, p := range []string{e.project, e.other} {
			if err := RemoveProject(cctx, e.eng, p); err != nil {
				t.Errorf("clean up project %s: %v", p, err)
			}
		}
	})
	return e
}

// ProjectName returns a compose-valid project name unique to t: a sanitised
// t.Name() plus a random suffix, so parallel runs against one daemon never
// share resources.
func ProjectName(t *testing.T) string {
	var b strings.Builder
	b.WriteString("berthtest-")
	for _, r := range strings.ToLower(t.Name()) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
		if b.Len() >= 40 {
			break
		}
	}
	return fmt.Sprintf("%s-%06x", strings.TrimSuffix(b.String(), "-"), rand.Uint32()&0xffffff)
}

// Remover is what RemoveProject needs from an engine.
type Remover interface {
	engine.Lister
	RemoveContainer(ctx context.Context, id string, opts engine.RemoveOptions) error
	RemoveNetwork(ctx context.Context, id string) error
	RemoveVolume(ctx context.Context, name string) error
}

// RemoveProject force-removes every container, network and volume labelled
// with project, for test cleanup. Resources already gone are not errors.
func RemoveProject(ctx context.Context, eng Remover, project string) error {
	var errs []error
	keep := func(err error) {
		if err != nil && !errors.Is(err, engine.ErrNotFound) {
			errs = append(errs, err)
		}
	}
	cs, err := eng.Containers(ctx, project)
	keep(err)
	for _, c := range cs {
		keep(eng.RemoveContainer(ctx, c.ID, engine.RemoveOptions{Force: true, Volumes: true}))
	}
	ns, err := eng.Networks(ctx, project)
	keep(err)
	for _, n := range ns {
		keep(eng.RemoveNetwork(ctx, n.ID))
	}
	vs, err := eng.Volumes(ctx, project)
	keep(err)
	for _, v := range vs {
		keep(eng.RemoveVolume(ctx, v.Name))
	}
	return errors.Join(errs...)
}

// spec describes replica 1 of service in the project; cmd empty keeps the
// image's default (sleep).
func (e *env) spec(project, service string, cmd ...string) engine.ContainerSpec {
	return engine.ContainerSpec{
		Name: project + "-" + service + "-1",
		Service: types.ServiceConfig{
			Name:    service,
			Image:   e.image,
			Command: cmd,
		},
		Labels: map[string]string{
			engine.LabelProject: project,
			engine.LabelService: service,
			engine.LabelNumber:  "1",
			engine.LabelOneoff:  "False",
		},
	}
}

func (e *env) create(spec engine.ContainerSpec) string {
	e.t.Helper()
	id, err := e.eng.CreateContainer(e.ctx, spec)
	if err != nil {
		e.t.Fatalf("CreateContainer(%s): %v", spec.Name, err)
	}
	if id == "" {
		e.t.Fatalf("CreateContainer(%s) returned an empty ID", spec.Name)
	}
	return id
}

func (e *env) start(id string) {
	e.t.Helper()
	if err := e.eng.StartContainer(e.ctx, id); err != nil {
		e.t.Fatalf("StartContainer(%s): %v", id, err)
	}
}

// stop stops at once: the suite must not wait for a grace period.
func (e *env) stop(id string) {
	e.t.Helper()
	zero := time.Duration(0)
	if err := e.eng.StopContainer(e.ctx, id, &zero); err != nil {
		e.t.Fatalf("StopContainer(%s): %v", id, err)
	}
}

func (e *env) inspect(ref string) engine.Container {
	e.t.Helper()
	c, err := e.eng.InspectContainer(e.ctx, ref)
	if err != nil {
		e.t.Fatalf("InspectContainer(%s): %v", ref, err)
	}
	return c
}

func (e *env) network(project, name string) string {
	e.t.Helper()
	full := project + "_" + name
	id, err := e.eng.CreateNetwork(e.ctx, engine.NetworkSpec{
		Name:   full,
		Config: types.NetworkConfig{Name: full},
		Labels: map[string]string{engine.LabelProject: project, engine.LabelNetwork: name},
	})
	if err != nil {
		e.t.Fatalf("CreateNetwork(%s): %v", full, err)
	}
	if id == "" {
		e.t.Fatalf("CreateNetwork(%s) returned an empty ID", full)
	}
	return id
}

// wantErr fails unless err wraps target; call names the call for the message.
func wantErr(t *testing.T, call string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("%s got error %v, want one wrapping %q", call, err, target)
	}
}

func volumeMount(source, target string) types.ServiceVolumeConfig {
	return types.ServiceVolumeConfig{Type: types.VolumeTypeVolume, Source: source, Target: target}
}
