package native

import (
	"context"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/internal/testimage"
)

// createTestContainer creates replica 1 of svc in project, labelled and
// named as compose does, on networks. svc defaults to the service web of
// the test image, running its sleep command.
func createTestContainer(ctx context.Context, t *testing.T, e *Engine, project string, svc types.ServiceConfig, networks ...string) string {
	t.Helper()
	if svc.Name == "" {
		svc.Name = "web"
	}
	if svc.Image == "" {
		svc.Image = testimage.Ref
	}
	if svc.Command == nil {
		svc.Command = []string{"sleep"}
	}
	spec := engine.ContainerSpec{
		Name:    project + "-" + svc.Name + "-1",
		Service: svc,
		Labels:  map[string]string{engine.LabelProject: project, engine.LabelService: svc.Name},
	}
	for _, n := range networks {
		spec.Networks = append(spec.Networks, engine.NetworkAttachment{Network: n})
	}
	id, err := e.CreateContainer(ctx, spec)
	if err != nil {
		t.Fatalf("create %s: %v", spec.Name, err)
	}
	return id
}

// runTestContainer is createTestContainer, then started.
func runTestContainer(ctx context.Context, t *testing.T, e *Engine, project string, svc types.ServiceConfig, networks ...string) string {
	t.Helper()
	id := createTestContainer(ctx, t, e, project, svc, networks...)
	if err := e.StartContainer(ctx, id); err != nil {
		t.Fatalf("start %s-%s-1: %v", project, svc.Name, err)
	}
	return id
}
