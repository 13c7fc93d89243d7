package reconcile

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/fake"
)

// imageActions summarises a plan's pulls and builds, in plan order, as
// "pull reg.example/app:1" and "build reg.example/app:1 after pull".
func imageActions(plan Plan) string {
	var out []string
	for _, a := range plan.Actions {
		if a.Kind != PullImage && a.Kind != BuildImage {
			continue
		}
		s := string(a.Kind) + " " + a.Target.Name
		for _, d := range a.After {
			if plan.Actions[d].Kind == PullImage {
				s += " after pull"
				break
			}
		}
		out = append(out, s)
	}
	return strings.Join(out, "; ")
}

// TestDecidePull is the pull decider's table: pull_policy (or --pull and
// --build) × the image being local × the service having a build section.
func TestDecidePull(t *testing.T) {
	const img = "reg.example/app:1"
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		policy  string // pull_policy, "" for none
		build   bool
		local   bool
		tagged  time.Duration // how long before now the local image was tagged
		opts    UpOptions
		want    string // imageActions of the plan
		wantErr string
	}{
		{name: "missing, absent", want: "pull " + img},
		{name: "missing, present", local: true, want: ""},
		{name: "missing, absent, buildable", build: true, want: "build " + img},
		{name: "if_not_present, absent", policy: "if_not_present", want: "pull " + img},
		{name: "always, present", policy: "always", local: true, want: "pull " + img},
		{name: "always, absent, buildable", policy: "always", build: true, want: "pull " + img + "; build " + img + " after pull"},
		{name: "always, present, buildable", policy: "always", build: true, local: true, want: "pull " + img},
		{name: "never, present", policy: "never", local: true, want: ""},
		{name: "never, absent", policy: "never",
			wantErr: `plan up: service "app": image "reg.example/app:1" not found locally and pull_policy: never forbids pulling it: pull it (berth pull --policy always app), load it (docker load), or change the policy`},
		{name: "never, absent, buildable", policy: "never", build: true, want: "build " + img},
		{name: "build, present", policy: "build", build: true, local: true, want: "build " + img},
		{name: "build without build section, absent", policy: "build",
			wantErr: `plan up: service "app": image "reg.example/app:1" not found locally and pull_policy: build forbids pulling it: pull it (berth pull --policy always app), load it (docker load), or change the policy`},
		{name: "daily, pulled 25h ago", policy: "daily", local: true, tagged: 25 * time.Hour, want: "pull " + img},
		{name: "daily, pulled 1h ago", policy: "daily", local: true, tagged: time.Hour, want: ""},
		{name: "weekly, absent", policy: "weekly", want: "pull " + img},
		{name: "weekly, pulled 2 days ago", policy: "weekly", local: true, tagged: 48 * time.Hour, want: ""},
		{name: "every_12h, pulled 13h ago", policy: "every_12h", local: true, tagged: 13 * time.Hour, want: "pull " + img},
		{name: "every_12h, pulled 11h ago", policy: "every_12h", local: true, tagged: 11 * time.Hour, want: ""},
		{name: "--pull always over never", policy: "never", local: true, opts: UpOptions{Pull: "always"}, want: "pull " + img},
		{name: "--pull never over always", policy: "always", local: true, opts: UpOptions{Pull: "never"}, want: ""},
		{name: "--pull missing over always", policy: "always", local: true, opts: UpOptions{Pull: "missing"}, want: ""},
		{name: "--pull policy keeps always", policy: "always", local: true, opts: UpOptions{Pull: "policy"}, want: "pull " + img},
		{name: "--pull bogus", opts: UpOptions{Pull: "sometimes"},
			wantErr: `plan up: invalid --pull option "sometimes"`},
		{name: "--build over always", policy: "always", build: true, local: true, opts: UpOptions{Build: true}, want: "build " + img},
		{name: "--no-build, always, absent, buildable", policy: "always", build: true, opts: UpOptions{NoBuild: true}, want: "pull " + img},
		{name: "pulled already, always", policy: "always", local: true, opts: UpOptions{Pulled: true}, want: ""},
		{name: "pulled already, failed, buildable", policy: "always", build: true, opts: UpOptions{Pulled: true}, want: "build " + img},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			yaml := "services:\n  app:\n    image: " + img + "\n"
			if tt.policy != "" {
				yaml += "    pull_policy: " + tt.policy + "\n"
			}
			if tt.build {
				yaml += "    build: ./worker\n"
			}
			var s State
			if tt.local {
				s.Images = []engine.Image{{ID: "sha256:app", Tags: []string{img}, LastTagTime: now.Add(-tt.tagged)}}
			}
			opts := tt.opts
			opts.Now = now
			p := load(t, yaml)
			plan, err := PlanUp(p, graph(t, p), s, opts)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("PlanUp(%s) got error %v, want %q", tt.name, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("PlanUp(%s): %v", tt.name, err)
			}
			if got := imageActions(plan); got != tt.want {
				t.Errorf("PlanUp(%s) got image actions %q, want %q\n%s", tt.name, got, tt.want, plan)
			}
			// Nothing starts before the pulls end.
			for i, a := range plan.Actions {
				if a.Kind == PullImage || a.Kind == BuildImage {
					continue
				}
				if !dependsOnPulls(plan, i) {
					t.Errorf("PlanUp(%s): #%d %s %s does not wait for the pulls\n%s", tt.name, i, a.Kind, a.Target.Name, plan)
				}
			}
		})
	}
}

// dependsOnPulls reports whether action i comes, directly or not, after
// every pull of the plan.
func dependsOnPulls(plan Plan, i int) bool {
	seen := map[int]bool{}
	var walk func(int)
	walk = func(j int) {
		for _, d := range plan.Actions[j].After {
			if !seen[d] {
				seen[d] = true
				walk(d)
			}
		}
	}
	walk(i)
	for j, a := range plan.Actions {
		if a.Kind == PullImage && !seen[j] {
			return false
		}
	}
	return true
}

const sharedImage = `
services:
  web:
    image: reg.example/app:2
    depends_on: [db]
  worker:
    image: reg.example/app:2
  db:
    image: postgres:16
`

// TestPlanUpPullsSharedImageOnce: two services of one image get one pull,
// which names both, and apply pulls it once before creating anything.
func TestPlanUpPullsSharedImageOnce(t *testing.T) {
	f := newFake()
	f.AddRegistryImage("reg.example/app:2", engine.Image{})
	p := load(t, sharedImage)
	plan := planUp(t, p, observe(t, f), UpOptions{})
	golden(t, "plan/pull-shared", plan.String())
	if err := Apply(context.Background(), plan, f, ApplyOptions{}); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	var pulls []string
	firstCreate, lastPull := -1, -1
	for i, c := range f.Calls() {
		switch c.Method {
		case "PullImage":
			pulls = append(pulls, c.Args[0])
			lastPull = i
		case "CreateNetwork", "CreateContainer":
			if firstCreate < 0 {
				firstCreate = i
			}
		}
	}
	if !slices.Equal(pulls, []string{"reg.example/app:2"}) {
		t.Errorf("Apply pulled %v, want reg.example/app:2 once", pulls)
	}
	if firstCreate < lastPull {
		t.Errorf("Apply created something (call %d) before the pull ended (call %d): %v", firstCreate, lastPull, f.Calls())
	}
	if again := planUp(t, p, observe(t, f), UpOptions{}); !again.Empty() {
		t.Errorf("after apply the plan is not empty:\n%s", again)
	}
}

// TestApplyFailedPullCreatesNothing: every image that cannot be pulled is
// named, with the services that wanted it, and nothing is created.
func TestApplyFailedPullCreatesNothing(t *testing.T) {
	f := newFake()
	f.FailPull("reg.example/other:1", errors.New("unauthorized: authentication required"))
	yaml := sharedImage + "  other:\n    image: reg.example/other:1\n"
	plan := planUp(t, load(t, yaml), observe(t, f), UpOptions{})
	err := Apply(context.Background(), plan, f, ApplyOptions{})
	if err == nil {
		t.Fatalf("Apply got no error, want the pulls to fail\n%s", plan)
	}
	for _, want := range []string{
		`services "web", "worker": pull reg.example/app:2: manifest for reg.example/app:2 not found: manifest unknown; check the image name and tag`,
		`service "other": pull reg.example/other:1: unauthorized: authentication required; check that the registry is reachable, and run docker login`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Apply got error\n%v\nwant it to contain\n%s", err, want)
		}
	}
	if !errors.Is(err, engine.ErrNotFound) {
		t.Errorf("Apply got error %v, want it to match engine.ErrNotFound", err)
	}
	for _, c := range f.Mutations() {
		if c.Method != "PullImage" {
			t.Errorf("failed pulls were followed by %s; want nothing created", c)
		}
	}
}

// TestPlanUpNeverNamesEveryService: images that may not be pulled are all
// named at once, sorted by service, and the plan fails before Apply.
func TestPlanUpNeverNamesEveryService(t *testing.T) {
	yaml := "services:\n  b:\n    image: x:1\n    pull_policy: never\n  a:\n    image: y:1\n    pull_policy: never\n"
	p := load(t, yaml)
	_, err := PlanUp(p, graph(t, p), State{}, UpOptions{})
	if err == nil {
		t.Fatal("PlanUp got no error, want both services named")
	}
	msg := err.Error()
	ia, ib := strings.Index(msg, `service "a"`), strings.Index(msg, `service "b"`)
	if ia < 0 || ib < 0 || ia > ib {
		t.Errorf("PlanUp got error\n%v\nwant service \"a\" then service \"b\"", err)
	}
}

// TestApplyBackedPull: a buildable service's failed pull is a warning and
// the build makes the image; a pull that works makes the build a no-op.
func TestApplyBackedPull(t *testing.T) {
	yaml := "services:\n  app:\n    image: reg.example/app:3\n    pull_policy: always\n    build: ./worker\n"
	for _, inRegistry := range []bool{false, true} {
		t.Run(fmt.Sprintf("in registry %v", inRegistry), func(t *testing.T) {
			f := newFake()
			if inRegistry {
				f.AddRegistryImage("reg.example/app:3", engine.Image{ID: "sha256:fromregistry"})
			}
			plan := planUp(t, load(t, yaml), observe(t, f), UpOptions{})
			var warnings []string
			err := Apply(context.Background(), plan, f, ApplyOptions{Progress: func(e Event) {
				if e.Status == StatusWarning {
					warnings = append(warnings, e.Text)
				}
			}})
			if err != nil {
				t.Fatalf("Apply: %v\n%s", err, plan)
			}
			built := slices.ContainsFunc(f.Calls(), func(c fake.Call) bool { return c.Method == "BuildImage" })
			if built == inRegistry {
				t.Errorf("Apply built %v, want %v (pull worked: %v)", built, !inRegistry, inRegistry)
			}
			if got := len(warnings) > 0; got == inRegistry {
				t.Errorf("Apply warned %q, want a warning only when the pull fails", warnings)
			}
		})
	}
}

// TestPlanUpNoopTouchesNoRegistry: a converged project with its images
// present plans nothing and asks no registry.
func TestPlanUpNoopTouchesNoRegistry(t *testing.T) {
	f := newFake()
	up(t, f, shop, UpOptions{})
	f.ResetCalls()
	plan := planUp(t, load(t, shop), observe(t, f), UpOptions{})
	if !plan.Empty() {
		t.Errorf("second plan is not empty:\n%s", plan)
	}
	for _, c := range f.Calls() {
		if c.Method == "PullImage" || c.Method == "InspectImage" {
			t.Errorf("planning a converged project called %s", c)
		}
	}
}

// TestObserveTagTimes: only images of refresh policies are inspected.
func TestObserveTagTimes(t *testing.T) {
	tagged := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	f := fake.New().WithImage(
		engine.Image{Tags: []string{"daily:1"}, LastTagTime: tagged},
		engine.Image{Tags: []string{"plain:1"}, LastTagTime: tagged},
	).Build()
	p := load(t, "services:\n  d:\n    image: daily:1\n    pull_policy: daily\n  p:\n    image: plain:1\n")
	s := State{Images: []engine.Image{{ID: "a", Tags: []string{"daily:1"}}, {ID: "b", Tags: []string{"plain:1"}}}}
	if err := observeTagTimes(context.Background(), f, p, &s); err != nil {
		t.Fatal(err)
	}
	if !s.Images[0].LastTagTime.Equal(tagged) || !s.Images[1].LastTagTime.IsZero() {
		t.Errorf("ObserveTagTimes got times %v, %v; want %v for daily:1 only", s.Images[0].LastTagTime, s.Images[1].LastTagTime, tagged)
	}
	var inspected []string
	for _, c := range f.Calls() {
		if c.Method == "InspectImage" {
			inspected = append(inspected, c.Args[0])
		}
	}
	if !slices.Equal(inspected, []string{"daily:1"}) {
		t.Errorf("ObserveTagTimes inspected %v, want [daily:1]", inspected)
	}
}

// TestCreateMissingImageHint: an image gone by the time its container is
// created is reported with --build only for a service that can build it.
func TestCreateMissingImageHint(t *testing.T) {
	for _, build := range []bool{false, true} {
		t.Run(fmt.Sprintf("build %v", build), func(t *testing.T) {
			yaml := "services:\n  app:\n    image: example/api:1.4\n"
			if build {
				yaml += "    build: ./worker\n"
			}
			f := newFake()
			plan := planUp(t, load(t, yaml), observe(t, f), UpOptions{})
			f.Hooks.InspectImage = func(_ context.Context, ref string) error { return &engine.ImageNotFoundError{Ref: ref} }
			err := Apply(context.Background(), plan, f, ApplyOptions{})
			if err == nil {
				t.Fatal("Apply got no error, want the image not found")
			}
			if got := strings.Contains(err.Error(), "berth up --build"); got != build {
				t.Errorf("Apply got error %q; want --build suggested: %v", err, build)
			}
		})
	}
}

// TestPlanUpDigestPinned: an image pinned by digest is found locally by
// its digest reference, so a converged up asks no registry.
func TestPlanUpDigestPinned(t *testing.T) {
	const ref = "reg.example/app:1@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	f := newFake()
	f.AddRegistryImage(ref, engine.Image{ID: "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"})
	yaml := "services:\n  app:\n    image: " + ref + "\n"
	first := up(t, f, yaml, UpOptions{})
	if got := imageActions(first); got != "pull "+ref {
		t.Errorf("first up got image actions %q, want the pull", got)
	}
	if again := planUp(t, load(t, yaml), observe(t, f), UpOptions{}); !again.Empty() {
		t.Errorf("after the pull the plan is not empty:\n%s", again)
	}
}

// TestPlanUpImageMovedUnderContainer: Docker lists a container's image by
// ID once its tag moved to another image; the tag's new image still
// recreates the container.
func TestPlanUpImageMovedUnderContainer(t *testing.T) {
	f := newFake()
	yaml := "services:\n  app:\n    image: redis:7\n"
	up(t, f, yaml, UpOptions{})
	if err := f.BuildImage(context.Background(), engine.BuildSpec{Tag: "redis:7"}, nil); err != nil {
		t.Fatal(err)
	}
	s := observe(t, f)
	for i, c := range s.Containers {
		s.Containers[i].Image = c.ImageID // as Docker lists it now
	}
	plan := planUp(t, load(t, yaml), s, UpOptions{})
	if !strings.Contains(plan.String(), "recreate container shop-app-1") || !strings.Contains(plan.String(), "image-changed") {
		t.Errorf("after the tag moved the plan is\n%s\nwant a recreate for image-changed", plan)
	}
}

// TestPullPlatform: a pull asks for the service's platform, else
// DOCKER_DEFAULT_PLATFORM, as compose does.
func TestPullPlatform(t *testing.T) {
	yaml := "services:\n  a:\n    image: x:1\n    platform: linux/arm64\n  b:\n    image: y:1\n"
	p := load(t, yaml)
	p.Environment["DOCKER_DEFAULT_PLATFORM"] = "linux/amd64"
	plan := planUp(t, p, State{}, UpOptions{})
	got := map[string]string{}
	for _, a := range plan.Actions {
		if a.Kind == PullImage {
			got[a.Target.Name] = a.op.pull.platform
		}
	}
	if got["x:1"] != "linux/arm64" || got["y:1"] != "linux/amd64" {
		t.Errorf("pull platforms got %v, want x:1 linux/arm64 and y:1 linux/amd64", got)
	}
}
