package reconcile

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestPlanUpBuildChecks covers the build decisions PlanUp rejects before
// anything is created: a context or Dockerfile that is not there, and a
// build that --no-build forbids. Services that are not built are never
// checked.
func TestPlanUpBuildChecks(t *testing.T) {
	dir, err := filepath.Abs(filepath.Join("testdata", "shop"))
	if err != nil {
		t.Fatal(err)
	}
	withImage := "  api:\n    image: example/api:1.4\n    build: ./nope\n"
	tests := []struct {
		name string
		svc  string // appended to shop's services
		opts UpOptions
		// want is the error with $DIR for the project directory; "" when
		// PlanUp must succeed.
		want string
		// builds is whether the plan builds, when it succeeds.
		builds bool
	}{
		{name: "context missing", svc: "  worker:\n    build: ./nope\n",
			want: `service "worker": build context "$DIR/nope" does not exist: fix build.context in compose.yaml`},
		{name: "context is a file", svc: "  worker:\n    build: ./worker/Dockerfile\n",
			want: `service "worker": build context "$DIR/worker/Dockerfile" is not a directory: fix build.context in compose.yaml`},
		{name: "dockerfile missing", svc: "  worker:\n    build: {context: ./worker, dockerfile: Nope.dockerfile}\n",
			want: `service "worker": Dockerfile "$DIR/worker/Nope.dockerfile" does not exist: add it, or fix build.dockerfile in compose.yaml`},
		{name: "context present", svc: "  worker:\n    build: ./worker\n", builds: true},
		{name: "inline dockerfile", svc: "  worker:\n    build: {context: ./worker, dockerfile_inline: 'FROM scratch'}\n", builds: true},
		{name: "remote context", svc: "  worker:\n    build: https://example.com/worker.git\n", builds: true},
		// The image is there, so nothing is built and nothing is checked.
		{name: "context missing, image local", svc: withImage},
		{name: "context missing, build requested", svc: withImage, opts: UpOptions{Build: true},
			want: `service "api": build context "$DIR/nope" does not exist: fix build.context in compose.yaml`},
		{name: "context missing, service not selected", svc: "  worker:\n    build: ./nope\n",
			opts: UpOptions{Services: []string{"web"}}},
		{name: "no-build, image missing", svc: "  worker:\n    build: ./worker\n", opts: UpOptions{NoBuild: true},
			want: `service "worker": image "shop-worker" not found locally and --no-build given: drop --no-build to build it, or load it (docker load)`},
		{name: "no-build, image local", svc: withImage, opts: UpOptions{NoBuild: true}},
		{name: "build and no-build", svc: withImage, opts: UpOptions{Build: true, NoBuild: true},
			want: `plan up: --build and --no-build cannot be used together; pick one`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := load(t, shop+tt.svc)
			p.ComposeFiles = []string{filepath.Join(dir, "compose.yaml")}
			plan, err := PlanUp(p, graph(t, p), observe(t, newFake()), tt.opts)
			want := strings.ReplaceAll(tt.want, "$DIR", dir)
			switch {
			case want == "" && err != nil:
				t.Fatalf("PlanUp(%s) got error %v, want a plan", tt.name, err)
			case want != "" && (err == nil || err.Error() != want):
				t.Fatalf("PlanUp(%s) got error %v, want %q", tt.name, err, want)
			case want != "":
				return
			}
			builds := strings.Contains(plan.String(), "build image")
			if builds != tt.builds {
				t.Errorf("PlanUp(%s) builds %v, want %v; plan:\n%s", tt.name, builds, tt.builds, plan)
			}
		})
	}
}

// TestPlanDownMissingContext: down needs no build context.
func TestPlanDownMissingContext(t *testing.T) {
	p := load(t, shop+"  worker:\n    build: ./nope\n")
	if _, err := PlanDown(p, observe(t, newFake()), DownOptions{Rmi: "local"}); err != nil {
		t.Errorf("PlanDown with a missing build context got error %v, want a plan", err)
	}
}
