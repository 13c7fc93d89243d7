package stack

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/google/go-cmp/cmp"

	"github.com/berth-dev/berth/engine/swarm/swarmfake"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// shop is the file most tests start from: a web service with replicas, a
// secret, a config and a network alias, and a worker that depends on it.
const shop = `
services:
  web:
    image: example/web:1.0
    command: ["serve", "8080"]
    environment:
      DB_HOST: db
      MODE: prod
    deploy:
      replicas: 2
      endpoint_mode: dnsrr
      update_config:
        parallelism: 1
        order: start-first
    ports:
      - target: 8080
        published: 8080
        mode: host
    secrets: [db_password]
    configs: [site]
    networks:
      back:
        aliases: [www]
  worker:
    image: example/worker:1.0
    depends_on: [web]
    networks: [back]
networks:
  back: {}
secrets:
  db_password:
    file: ./db_password.txt
configs:
  site:
    content: "hello"
`

// load parses an inline compose file as project "shop" with compose-go
// itself, in testdata/shop, where the secret file lives.
func load(t testing.TB, yaml string) *types.Project {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("testdata", "shop"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := loader.LoadWithContext(context.Background(), types.ConfigDetails{
		WorkingDir:  dir,
		ConfigFiles: []types.ConfigFile{{Filename: filepath.Join(dir, "compose.yaml"), Content: []byte(yaml)}},
		Environment: types.Mapping{},
	}, func(o *loader.Options) { o.SetProjectName("shop", true) })
	if err != nil {
		t.Fatalf("load compose file: %v\n%s", err, yaml)
	}
	return p
}

func build(t testing.TB, yaml string) Desired {
	t.Helper()
	d, err := Build(load(t, yaml))
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	return d
}

func observe(t testing.TB, f *swarmfake.Fake) State {
	t.Helper()
	st, err := Observe(context.Background(), f, "shop")
	if err != nil {
		t.Fatalf("Observe: %v", err)
	}
	return st
}

// deployed returns a fake swarm on which yaml has been deployed.
func deployed(t testing.TB, yaml string) *swarmfake.Fake {
	t.Helper()
	f := swarmfake.New()
	plan := PlanUp(build(t, yaml), observe(t, f), UpOptions{})
	if err := Apply(context.Background(), plan, f, ApplyOptions{}); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	return f
}

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s differs (-want +got):\n%s", path, diff)
	}
}

func replace(s, old, new string) string { return strings.Replace(s, old, new, 1) }
