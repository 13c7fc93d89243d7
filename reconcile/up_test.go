package reconcile

import (
	"context"
	"strings"
	"testing"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/fake"
)

const shop = `
volumes:
  data: {}
services:
  web:
    image: example/api:1.4
    environment:
      DB_HOST: db
      DB_PASSWORD: s3cret
    depends_on: [db]
    ports: ["8080:80"]
  db:
    image: postgres:16
    volumes: [data:/var/lib/postgresql/data]
`

// edit returns shop with one substring replaced, failing loudly when the
// test's assumption about the file no longer holds.
func edit(t testing.TB, yaml, old, new string) string {
	t.Helper()
	if !strings.Contains(yaml, old) {
		t.Fatalf("edit: %q not in compose file", old)
	}
	return strings.Replace(yaml, old, new, 1)
}

// composeContainer is a container as docker compose would have created it
// for service svc of project p: compose's labels, no berth record.
func composeContainer(t testing.TB, yaml, svc string, hashOf string) engine.Container {
	t.Helper()
	p := load(t, yaml)
	hash, err := ServiceHash(p.Services[hashOf])
	if err != nil {
		t.Fatal(err)
	}
	return engine.Container{
		Name:  "shop-" + svc + "-1",
		Image: p.Services[svc].Image,
		State: "running",
		Labels: map[string]string{
			engine.LabelProject:    "shop",
			engine.LabelService:    svc,
			engine.LabelNumber:     "1",
			engine.LabelOneoff:     "False",
			engine.LabelConfigHash: hash,
		},
	}
}

func TestPlanUpGolden(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		before string                 // applied first, if set
		seed   []engine.Container     // containers present before anything
		mutate func(*fake.Engine)     // run after before is applied
		yaml   string                 // the project to plan
		opts   UpOptions              //
		check  func(*testing.T, Plan) // extra assertions beyond the golden
		// diverge marks plans that leave the project diverged on purpose
		// (or cannot apply): the convergence check below skips them.
		diverge bool
	}{
		{name: "fresh", yaml: shop},
		{name: "noop", before: shop, yaml: shop, check: func(t *testing.T, p Plan) {
			if !p.Empty() {
				t.Errorf("PlanUp(applied project).Empty() got false, want true")
			}
		}},
		{name: "env-changed", before: shop, yaml: edit(t, shop, "DB_PASSWORD: s3cret", "DB_PASSWORD: hunter2"),
			check: func(t *testing.T, p Plan) {
				s := p.String()
				for _, secret := range []string{"s3cret", "hunter2"} {
					if strings.Contains(s, secret) {
						t.Errorf("PlanUp(env changed).String() shows the value %q:\n%s", secret, s)
					}
				}
			}},
		{name: "env-added", before: shop, yaml: edit(t, shop, "DB_HOST: db", "DB_HOST: db\n      DEBUG: \"1\"")},
		{name: "image-changed", before: shop, yaml: edit(t, shop, "example/api:1.4", "example/api:1.5")},
		{name: "image-updated-locally", before: shop, yaml: shop, mutate: func(f *fake.Engine) {
			_ = f.BuildImage(ctx, engine.BuildSpec{Tag: "example/api:1.4"}, nil)
		}},
		{name: "scale-up", before: shop, yaml: edit(t, shop, "depends_on: [db]", "depends_on: [db]\n    scale: 3")},
		{name: "scale-down", before: edit(t, shop, "depends_on: [db]", "depends_on: [db]\n    scale: 3"), yaml: shop},
		{name: "orphan-kept", before: shop + "  old:\n    image: busybox\n", yaml: shop},
		{name: "orphan-removed", before: shop + "  old:\n    image: busybox\n", yaml: shop,
			opts: UpOptions{RemoveOrphans: true}},
		{name: "force-recreate", before: shop, yaml: shop, opts: UpOptions{ForceRecreate: true, Services: []string{"web"}}},
		{diverge: true, name: "no-recreate", before: shop, yaml: edit(t, shop, "example/api:1.4", "example/api:1.5"),
			opts: UpOptions{NoRecreate: true}},
		{diverge: true, name: "no-deps", before: shop, yaml: edit(t, edit(t, shop, "example/api:1.4", "example/api:1.5"), "postgres:16", "postgres:latest"),
			opts: UpOptions{NoDeps: true, Services: []string{"web"}}},
		{name: "stopped", before: shop, yaml: shop, mutate: func(f *fake.Engine) {
			_ = f.StopContainer(ctx, "shop-db-1", nil)
		}},
		{diverge: true, name: "no-start", yaml: shop, opts: UpOptions{NoStart: true}},
		{name: "parent-env-changed",
			before: shop + "  sidecar:\n    image: busybox\n    network_mode: service:web\n",
			yaml:   edit(t, shop, "DB_HOST: db", "DB_HOST: db2") + "  sidecar:\n    image: busybox\n    network_mode: service:web\n"},
		{name: "parent-recreated",
			before: shop + "  sidecar:\n    image: busybox\n    network_mode: service:web\n",
			yaml:   edit(t, shop, "example/api:1.4", "example/api:1.5") + "  sidecar:\n    image: busybox\n    network_mode: service:web\n"},
		{name: "dependency-restart",
			before: edit(t, shop, "depends_on: [db]", "depends_on:\n      db:\n        condition: service_started\n        restart: true"),
			yaml: edit(t, edit(t, shop, "depends_on: [db]", "depends_on:\n      db:\n        condition: service_started\n        restart: true"),
				"postgres:16", "postgres:latest"),
			mutate: func(f *fake.Engine) {
				_ = f.BuildImage(ctx, engine.BuildSpec{Tag: "postgres:latest"}, nil)
			}},
		{name: "build-missing", yaml: shop + "  worker:\n    build: ./worker\n"},
		{name: "build-requested", before: shop + "  worker:\n    build: ./worker\n", yaml: shop + "  worker:\n    build: ./worker\n",
			opts: UpOptions{Build: true, Services: []string{"worker"}}},
		{diverge: true, name: "image-not-local", yaml: edit(t, shop, "postgres:16", "postgres:17")},
		{diverge: true, name: "external-network", yaml: shop + "    networks: [front]\nnetworks:\n  front:\n    external: true\n"},
		// Both containers are on the default network: stopped and taken
		// off it, the network recreated, and both put back and started, db
		// first.
		{name: "network-changed", before: shop,
			yaml: shop + "networks:\n  default:\n    driver_opts: {com.docker.network.bridge.mtu: \"1400\"}\n",
			check: func(t *testing.T, p Plan) {
				for _, a := range p.Actions {
					if a.Kind == Recreate || a.Destructive {
						t.Errorf("PlanUp(network changed) got %s %s (destructive %v), want containers kept", a.Kind, a.Target.Name, a.Destructive)
					}
				}
			}},
		// web is recreated anyway: it is only taken off the old network.
		{name: "network-and-service-changed", before: shop,
			yaml: edit(t, shop, "example/api:1.4", "example/api:1.5") + "networks:\n  default:\n    labels: {tier: front}\n"},
		// Only web is selected; db, on the same network, is put back too.
		{name: "network-changed-selection", before: shop, opts: UpOptions{Services: []string{"web"}, NoDeps: true},
			yaml: shop + "networks:\n  default:\n    labels: {tier: front}\n"},
		{diverge: true, name: "volume-changed", before: shop,
			yaml: edit(t, shop, "data: {}", "data:\n    driver_opts: {type: tmpfs, device: tmpfs}")},
		{name: "compose-created-same-hash", yaml: shop,
			seed: []engine.Container{composeContainer(t, shop, "db", "db")},
			check: func(t *testing.T, p Plan) {
				for _, a := range p.Actions {
					if a.Target.Name == "shop-db-1" {
						t.Errorf("PlanUp(compose-created db, same hash) got %s %s, want no action", a.Kind, a.Target.Name)
					}
				}
			}},
		{name: "compose-created-other-hash", yaml: shop,
			seed: []engine.Container{composeContainer(t, edit(t, shop, "postgres:16", "postgres:15"), "db", "db")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(tt.seed...)
			if tt.before != "" {
				up(t, f, tt.before, UpOptions{})
			}
			if tt.mutate != nil {
				tt.mutate(f)
			}
			plan := planUp(t, load(t, tt.yaml), observe(t, f), tt.opts)
			golden(t, "plan/"+tt.name, plan.String())
			if tt.check != nil {
				tt.check(t, plan)
			}
			if tt.diverge {
				return
			}
			// Applying the plan converges: planning again finds nothing to do.
			if err := Apply(ctx, plan, f, ApplyOptions{}); err != nil {
				t.Fatalf("Apply(%s plan): %v", tt.name, err)
			}
			again := planUp(t, load(t, tt.yaml), observe(t, f), UpOptions{RemoveOrphans: tt.opts.RemoveOrphans})
			if !again.Empty() {
				t.Errorf("PlanUp after Apply(%s plan) got\n%s\nwant nothing to do", tt.name, again)
			}
		})
	}
}
