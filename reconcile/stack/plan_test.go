package stack

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	swarmtypes "github.com/moby/moby/api/types/swarm"

	"github.com/berth-dev/berth/engine/swarm/swarmfake"
)

// TestPlanUp runs each case's file against a swarm on which shop was
// deployed (or an empty one) and compares the plan with its golden file.
func TestPlanUp(t *testing.T) {
	tests := []struct {
		name  string
		fresh bool // plan against an empty swarm
		yaml  string
		opts  UpOptions
	}{
		{name: "fresh", fresh: true, yaml: shop},
		{name: "unchanged", yaml: shop},
		{name: "env-changed", yaml: strings.Replace(shop, "MODE: prod", "MODE: debug", 1)},
		{name: "scaled", yaml: strings.Replace(shop, "replicas: 2", "replicas: 3", 1)},
		{name: "image-changed", yaml: strings.Replace(shop, "example/worker:1.0", "example/worker:1.1", 1)},
		{name: "config-changed", yaml: strings.Replace(shop, `content: "hello"`, `content: "bonjour"`, 1)},
		{name: "fields-changed", yaml: strings.NewReplacer("order: start-first", "order: stop-first", "aliases: [www]", "aliases: [www, site]").Replace(shop)},
		{name: "orphan-kept", yaml: withoutWorker(shop)},
		{name: "orphan-removed", yaml: withoutWorker(shop), opts: UpOptions{RemoveOrphans: true}},
		{name: "forced", yaml: shop, opts: UpOptions{Force: true}},
		{name: "unsupported", fresh: true, yaml: `
services:
  app:
    image: example/app:1
    build: .
    container_name: app
    links: [db]
    depends_on:
      db: {condition: service_healthy}
  db:
    image: example/db:1
`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := deployed(t, shop)
			if tt.fresh {
				f = deployed(t, "services: {}")
			}
			plan := PlanUp(build(t, tt.yaml), observe(t, f), tt.opts)
			golden(t, filepath.Join("plan", tt.name+".txt"), plan.String())
		})
	}
}

func withoutWorker(yaml string) string {
	i := strings.Index(yaml, "  worker:")
	j := strings.Index(yaml, "networks:\n  back")
	return yaml[:i] + yaml[j:]
}

// TestSecretRoll: a changed secret file makes a new secret, the service
// that uses it rolls onto it, and the old one goes once nothing uses it.
func TestSecretRoll(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "pw.txt")
	yaml := strings.Replace(shop, "./db_password.txt", file, 1)
	write := func(s string) {
		if err := os.WriteFile(file, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("one")
	f := deployed(t, yaml)
	write("two")
	plan := PlanUp(build(t, yaml), observe(t, f), UpOptions{})
	golden(t, "plan/secret-rolled.txt", strings.ReplaceAll(plan.String(), dir, "DIR"))
	if err := Apply(context.Background(), plan, f, ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range f.SecretByID {
		names = append(names, s.Spec.Name)
	}
	if len(names) != 1 || names[0] != "shop_db_password-"+contentHash([]byte("two"), "") {
		t.Errorf("secrets after the roll: %v, want only the new one", names)
	}
	if again := PlanUp(build(t, yaml), observe(t, f), UpOptions{}); !again.Empty() {
		t.Errorf("plan after the roll is not empty:\n%s", again)
	}
}

// TestPlanUpErrors: keys whose absence would change behaviour are errors
// naming the service and key.
func TestPlanUpErrors(t *testing.T) {
	tests := []struct{ name, yaml, want string }{
		{"network_mode", "services:\n  a:\n    image: x\n    network_mode: host\n", "service a: network_mode is not supported"},
		{"privileged", "services:\n  a:\n    image: x\n    privileged: true\n", "service a: privileged is not supported"},
		{"no image", "services:\n  a:\n    build: .\n", "service a: no image"},
		{"global replicas", "services:\n  a:\n    image: x\n    deploy:\n      mode: global\n      replicas: 2\n", "service a: deploy.replicas"},
		{"dnsrr ingress", "services:\n  a:\n    image: x\n    ports: [\"80:80\"]\n    deploy:\n      endpoint_mode: dnsrr\n", "service a: ports: 80 is published through the routing mesh"},
		{"port range", "services:\n  a:\n    image: x\n    ports: [\"8000-8001:80-81\"]\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Build(load(t, tt.yaml))
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Build: %v, want no error", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("Build error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

// TestDeployOrder: depends_on orders the first deploy.
func TestDeployOrder(t *testing.T) {
	d := build(t, `
services:
  a: {image: x, depends_on: [c]}
  b: {image: x}
  c: {image: x, depends_on: [b]}
`)
	var got []string
	for _, s := range d.Services {
		got = append(got, s.Name)
	}
	if strings.Join(got, " ") != "b c a" {
		t.Errorf("order = %v, want b c a", got)
	}
}

// TestExternalSecret: an external secret is found by name, whoever made
// it, used by its ID, and never created or removed; a missing one is a
// warning that says how to make it.
func TestExternalSecret(t *testing.T) {
	yaml := `
services:
  app:
    image: example/app:1
    secrets: [cert]
secrets:
  cert:
    external: true
    name: site_cert
`
	f := swarmfake.New()
	d := build(t, yaml)
	st, err := ObserveFor(context.Background(), f, d)
	if err != nil {
		t.Fatal(err)
	}
	if plan := PlanUp(d, st, UpOptions{}); !strings.Contains(strings.Join(plan.Warnings, "\n"), "secret site_cert is external and not on the swarm: create it (docker secret create site_cert FILE)") {
		t.Errorf("plan without the external secret:\n%s", plan)
	}
	id, _ := f.CreateSecret(context.Background(), swarmtypes.SecretSpec{Annotations: swarmtypes.Annotations{Name: "site_cert"}})
	st, err = ObserveFor(context.Background(), f, d)
	if err != nil {
		t.Fatal(err)
	}
	plan := PlanUp(d, st, UpOptions{})
	if err := Apply(context.Background(), plan, f, ApplyOptions{}); err != nil {
		t.Fatalf("Apply:\n%s\n%v", plan, err)
	}
	for _, s := range f.ServiceByID {
		if got := s.Spec.TaskTemplate.ContainerSpec.Secrets[0].SecretID; got != id {
			t.Errorf("secret ID in the spec = %q, want %q", got, id)
		}
	}
	f.Calls = nil
	if err := Apply(context.Background(), PlanDown("shop", observe(t, f)), f, ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, ok := f.SecretByID[id]; !ok {
		t.Errorf("down removed the external secret: %v", f.Calls)
	}
}
