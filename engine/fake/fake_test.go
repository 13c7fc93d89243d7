package fake_test

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sync"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/google/go-cmp/cmp"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/fake"
)

const testImage = "app:latest"

func newFake() *fake.Engine {
	return fake.New().WithImage(engine.Image{Tags: []string{testImage}, Labels: map[string]string{"from": "image"}}).Build()
}

func spec(name string, cmd ...string) engine.ContainerSpec {
	return engine.ContainerSpec{
		Name:    name,
		Service: types.ServiceConfig{Name: "web", Image: testImage, Command: cmd},
		Labels:  map[string]string{engine.LabelProject: "shop", engine.LabelService: "web"},
	}
}

func mustCreate(t *testing.T, f *fake.Engine, s engine.ContainerSpec) string {
	t.Helper()
	id, err := f.CreateContainer(context.Background(), s)
	if err != nil {
		t.Fatalf("CreateContainer(%s): %v", s.Name, err)
	}
	return id
}

func mustInspect(t *testing.T, f *fake.Engine, id string) engine.Container {
	t.Helper()
	c, err := f.InspectContainer(context.Background(), id)
	if err != nil {
		t.Fatalf("InspectContainer(%s): %v", id, err)
	}
	return c
}

var hexID = regexp.MustCompile(`^[0-9a-f]{64}$`)

func TestIDsAreDeterministic(t *testing.T) {
	names := []string{"shop-a-1", "shop-b-1", "shop-c-1", "shop-d-1"}
	create := func(parallel bool) map[string]string {
		f := newFake()
		ids := map[string]string{}
		var mu sync.Mutex
		var wg sync.WaitGroup
		for _, n := range names {
			run := func() {
				id := mustCreate(t, f, spec(n))
				mu.Lock()
				ids[n] = id
				mu.Unlock()
			}
			if parallel {
				wg.Go(run)
			} else {
				run()
			}
		}
		wg.Wait()
		return ids
	}
	seq, par := create(false), create(true)
	if diff := cmp.Diff(seq, par); diff != "" {
		t.Errorf("IDs created in parallel differ from sequential (-seq +par):\n%s", diff)
	}
	for n, id := range seq {
		if !hexID.MatchString(id) {
			t.Errorf("CreateContainer(%s) got ID %q, want 64 hex digits", n, id)
		}
	}

	// A name used again (remove, then create) gets a new ID, like Docker.
	f := newFake()
	first := mustCreate(t, f, spec("shop-web-1"))
	if err := f.RemoveContainer(context.Background(), first, engine.RemoveOptions{}); err != nil {
		t.Fatal(err)
	}
	if again := mustCreate(t, f, spec("shop-web-1")); again == first {
		t.Errorf("CreateContainer(shop-web-1) after remove got the old ID %s again, want a new one", first)
	}
}

func TestStartFollowsCommandConvention(t *testing.T) {
	tests := []struct {
		cmd          []string
		wantState    string
		wantCode     int
		wantStatus   string
		wantWaitDone bool
	}{
		{nil, "running", 0, "Up", false},
		{[]string{"sleep"}, "running", 0, "Up", false},
		{[]string{"exit", "0"}, "exited", 0, "Exited (0)", true},
		{[]string{"exit", "3"}, "exited", 3, "Exited (3)", true},
		{[]string{"exit", "x"}, "running", 0, "Up", false},
		{[]string{"exit", "3", "now"}, "running", 0, "Up", false},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.cmd), func(t *testing.T) {
			f := newFake()
			id := mustCreate(t, f, spec("shop-web-1", tc.cmd...))
			if err := f.StartContainer(context.Background(), id); err != nil {
				t.Fatalf("StartContainer: %v", err)
			}
			got := mustInspect(t, f, id)
			if got.State != tc.wantState || got.ExitCode != tc.wantCode || got.Status != tc.wantStatus {
				t.Errorf("Start(command %q) got %s/%d/%q, want %s/%d/%q",
					tc.cmd, got.State, got.ExitCode, got.Status, tc.wantState, tc.wantCode, tc.wantStatus)
			}
		})
	}
}

func TestHealth(t *testing.T) {
	tests := []struct {
		name string
		hc   *types.HealthCheckConfig
		want string
	}{
		{"none", nil, ""},
		{"cmd", &types.HealthCheckConfig{Test: []string{"CMD", "true"}}, "starting"},
		{"disabled", &types.HealthCheckConfig{Test: []string{"CMD", "true"}, Disable: true}, ""},
		{"NONE", &types.HealthCheckConfig{Test: []string{"NONE"}}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake()
			s := spec("shop-web-1")
			s.Service.HealthCheck = tc.hc
			id := mustCreate(t, f, s)
			if err := f.StartContainer(context.Background(), id); err != nil {
				t.Fatal(err)
			}
			if got := mustInspect(t, f, id).Health; got != tc.want {
				t.Errorf("Health after start (healthcheck %s) got %q, want %q", tc.name, got, tc.want)
			}
		})
	}

	// WithStartHealth decides per spec, and only for enabled healthchecks.
	decide := func(s engine.ContainerSpec) (string, []string) {
		if s.Service.Name == "db" {
			return "unhealthy", []string{"refused"}
		}
		return "healthy", nil
	}
	for _, tc := range []struct {
		service string
		hc      *types.HealthCheckConfig
		want    string
		wantLog []string
	}{
		{"db", &types.HealthCheckConfig{Test: []string{"CMD", "true"}}, "unhealthy", []string{"refused"}},
		{"web", &types.HealthCheckConfig{Test: []string{"CMD", "true"}}, "healthy", nil},
		{"web", nil, "", nil},
	} {
		f := fake.New().WithImage(engine.Image{Tags: []string{testImage}}).WithStartHealth(decide).Build()
		s := spec("shop-" + tc.service + "-1")
		s.Service.Name, s.Service.HealthCheck = tc.service, tc.hc
		id := mustCreate(t, f, s)
		if err := f.StartContainer(context.Background(), id); err != nil {
			t.Fatal(err)
		}
		log, _ := f.HealthLog(context.Background(), id)
		if got := mustInspect(t, f, id).Health; got != tc.want || !slices.Equal(log, tc.wantLog) {
			t.Errorf("WithStartHealth: %s (healthcheck %v) got %q %q, want %q %q", tc.service, tc.hc != nil, got, log, tc.want, tc.wantLog)
		}
	}

	f := newFake()
	id := mustCreate(t, f, spec("shop-web-1"))
	if err := f.StartContainer(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	if err := f.SetHealth(id, "unhealthy", "probe 1: refused", "probe 2: refused"); err != nil {
		t.Fatal(err)
	}
	got := mustInspect(t, f, id)
	if got.Health != "unhealthy" || got.Status != "Up (unhealthy)" {
		t.Errorf("after SetHealth(unhealthy) got health %q status %q, want unhealthy, %q", got.Health, got.Status, "Up (unhealthy)")
	}
	log, err := f.HealthLog(context.Background(), id)
	if want := []string{"probe 1: refused", "probe 2: refused"}; err != nil || !slices.Equal(log, want) {
		t.Errorf("HealthLog got %q, %v, want %q", log, err, want)
	}
	if err := f.SetHealth("nope", "healthy"); !errors.Is(err, engine.ErrNotFound) {
		t.Errorf("SetHealth(unknown) got %v, want ErrNotFound", err)
	}
}

func TestWaitContainer(t *testing.T) {
	f := newFake()
	ctx := context.Background()
	id := mustCreate(t, f, spec("shop-web-1"))
	if code, err := f.WaitContainer(ctx, id); err != nil || code != 0 {
		t.Errorf("WaitContainer(created) got %d, %v, want 0 at once", code, err)
	}
	if err := f.StartContainer(ctx, id); err != nil {
		t.Fatal(err)
	}
	type result struct {
		code int
		err  error
	}
	done := make(chan result, 1) // one waiter sends once
	go func() {
		code, err := f.WaitContainer(ctx, id)
		done <- result{code, err}
	}()
	if err := f.Exit(id, 7); err != nil {
		t.Fatalf("Exit: %v", err)
	}
	if r := <-done; r.err != nil || r.code != 7 {
		t.Errorf("WaitContainer after Exit(7) got %d, %v, want 7", r.code, r.err)
	}
	if err := f.Exit(id, 1); !errors.Is(err, engine.ErrConflict) {
		t.Errorf("Exit(not running) got %v, want ErrConflict", err)
	}

	// A waiter whose context ends returns its error.
	if err := f.StartContainer(ctx, id); err != nil {
		t.Fatal(err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := f.WaitContainer(cctx, id); !errors.Is(err, context.Canceled) {
		t.Errorf("WaitContainer(cancelled ctx) got %v, want context.Canceled", err)
	}
}

func TestCreateContainerChecks(t *testing.T) {
	base := func() *fake.Engine {
		return fake.New().
			WithImage(engine.Image{Tags: []string{testImage}}).
			WithNetwork(engine.Network{Name: "shop_default"}).
			WithContainer(engine.Container{Name: "shop-db-1", Image: testImage, Labels: map[string]string{engine.LabelProject: "shop"}}).
			Build()
	}
	tests := []struct {
		name   string
		mutate func(*engine.ContainerSpec)
		want   error // nil: created
	}{
		{"ok", func(*engine.ContainerSpec) {}, nil},
		{"taken name", func(s *engine.ContainerSpec) { s.Name = "shop-db-1" }, engine.ErrConflict},
		{"missing image", func(s *engine.ContainerSpec) { s.Service.Image = "nope:1" }, engine.ErrNotFound},
		{"image by hub name", func(s *engine.ContainerSpec) { s.Service.Image = "docker.io/library/app" }, nil},
		{"network", func(s *engine.ContainerSpec) {
			s.Networks = []engine.NetworkAttachment{{Network: "shop_default"}}
		}, nil},
		{"missing network", func(s *engine.ContainerSpec) {
			s.Networks = []engine.NetworkAttachment{{Network: "shop_back"}}
		}, engine.ErrNotFound},
		{"network_mode container", func(s *engine.ContainerSpec) { s.Service.NetworkMode = "container:shop-db-1" }, nil},
		{"network_mode missing container", func(s *engine.ContainerSpec) { s.Service.NetworkMode = "container:shop-x-1" }, engine.ErrNotFound},
		{"volumes_from", func(s *engine.ContainerSpec) { s.Service.VolumesFrom = []string{"container:shop-db-1:ro"} }, nil},
		{"volumes_from missing", func(s *engine.ContainerSpec) { s.Service.VolumesFrom = []string{"shop-x-1"} }, engine.ErrNotFound},
		{"inherit missing", func(s *engine.ContainerSpec) { s.InheritVolumesFrom = "shop-x-1" }, engine.ErrNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := base()
			s := spec("shop-web-1")
			tc.mutate(&s)
			_, err := f.CreateContainer(context.Background(), s)
			if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("CreateContainer(%s) got error %v, want %v", tc.name, err, tc.want)
			}
			list, _ := f.Containers(context.Background(), "")
			if wantN := map[bool]int{true: 2, false: 1}[tc.want == nil]; len(list) != wantN {
				t.Errorf("CreateContainer(%s): %d containers afterwards, want %d", tc.name, len(list), wantN)
			}
		})
	}
}

func TestContainerRecord(t *testing.T) {
	f := newFake()
	ctx := context.Background()
	s := spec("shop-web-1", "serve", "80")
	s.Service.Entrypoint = []string{"/berth-test"}
	s.Service.Ports = []types.ServicePortConfig{{Target: 80, Published: "8080", HostIP: "127.0.0.1"}, {Target: 53, Protocol: "udp"}}
	s.Service.Expose = types.StringOrNumberList{"9000"}
	id := mustCreate(t, f, s)

	got := mustInspect(t, f, id)
	want := engine.Container{
		ID: id, Name: "shop-web-1", Image: testImage, ImageID: got.ImageID,
		Command: "/berth-test serve 80",
		Labels:  map[string]string{engine.LabelProject: "shop", engine.LabelService: "web", "from": "image"},
		State:   "created", Status: "Created", Created: got.Created,
		Networks: map[string]engine.Endpoint{},
		Ports: []engine.Port{
			{HostIP: "127.0.0.1", HostPort: 8080, ContainerPort: 80, Protocol: "tcp"},
			{ContainerPort: 53, Protocol: "udp"},
			{ContainerPort: 9000, Protocol: "tcp"},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("InspectContainer after create (-want +got):\n%s", diff)
	}

	// What the caller gets is a copy: changing it changes nothing inside.
	got.Labels["from"] = "caller"
	if again := mustInspect(t, f, id); again.Labels["from"] != "image" {
		t.Errorf("a caller's edit leaked into the fake: label from=%q", again.Labels["from"])
	}

	stored, err := f.Spec(id)
	if err != nil {
		t.Fatal(err)
	}
	if stored.Name != "shop-web-1" || !slices.Equal(stored.Service.Command, s.Service.Command) || stored.Labels["from"] != "image" {
		t.Errorf("Spec(%s) got name %q command %q labels %v, want the spec as created with image labels merged",
			id, stored.Name, stored.Service.Command, stored.Labels)
	}
	if err := f.RenameContainer(ctx, id, "shop-web-2"); err != nil {
		t.Fatal(err)
	}
	if stored, _ := f.Spec("shop-web-2"); stored.Name != "shop-web-2" {
		t.Errorf("Spec after rename got name %q, want shop-web-2", stored.Name)
	}
}
