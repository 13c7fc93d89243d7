package reconcile

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/berth-dev/berth/engine"
)

const oneOffYAML = `
services:
  db:
    image: postgres:16
  web:
    image: example/api:1.5
    restart: always
    network_mode: service:db
    ports: ["8080:80"]
    labels: {team: shop}
  worker:
    image: busybox:latest
    depends_on: [db]
`

func TestCreateOneOff(t *testing.T) {
	f := newFake()
	up(t, f, oneOffYAML, UpOptions{Services: []string{"db"}})
	p := load(t, oneOffYAML)
	slug := strings.Repeat("ab", 32)
	for _, tc := range []struct {
		name, service, containerName string
		useAliases                   bool
		wantName                     string
	}{
		{"named like compose", "worker", "", false, "shop-worker-run-abababababab"},
		{"--name wins", "worker", "custom", true, "custom"},
		{"joins its parent's namespace", "web", "", false, "shop-web-run-abababababab"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			svc := p.Services[tc.service]
			svc.ContainerName = tc.containerName
			id, name, err := CreateOneOff(context.Background(), f, p, observe(t, f), OneOff{Service: svc, Slug: slug, UseAliases: tc.useAliases, AttachStdin: true}, t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			if name != tc.wantName {
				t.Errorf("name got %s, want %s", name, tc.wantName)
			}
			spec, err := f.Spec(id)
			if err != nil {
				t.Fatal(err)
			}
			l := spec.Labels
			if l[engine.LabelOneoff] != "True" || l[LabelSlug] != slug || l[engine.LabelProject] != "shop" || l[engine.LabelService] != tc.service || l[engine.LabelConfigHash] == "" {
				t.Errorf("labels got %v, want oneoff True, the slug, project, service and hash", l)
			}
			if _, ok := l[engine.LabelNumber]; ok {
				t.Errorf("labels got container number %q, want none on a one-off", l[engine.LabelNumber])
			}
			if !spec.AttachStdin {
				t.Error("AttachStdin got false, want true")
			}
			if spec.Service.Restart != "" {
				t.Errorf("restart got %q, want none on a one-off", spec.Service.Restart)
			}
			for _, n := range spec.Networks {
				if tc.useAliases != slices.Contains(n.Aliases, tc.service) {
					t.Errorf("network %s aliases %v with --use-aliases %v", n.Network, n.Aliases, tc.useAliases)
				}
			}
			if tc.service == "web" {
				db := containerNamed(t, observe(t, f), "shop-db-1")
				if spec.Service.NetworkMode != "container:"+db.ID {
					t.Errorf("network_mode got %q, want container:<shop-db-1's ID>", spec.Service.NetworkMode)
				}
				if l["team"] != "shop" {
					t.Errorf("labels got %v, want the service's team=shop", l)
				}
			}
		})
	}
	// Planning up again leaves one-off containers alone.
	plan := planUp(t, p, observe(t, f), UpOptions{Services: []string{"db"}})
	if !plan.Empty() {
		t.Errorf("up after run planned\n%s\nwant nothing", plan)
	}
}

func TestPlanUpOneOffPlansOnlyWhatItNeeds(t *testing.T) {
	p := load(t, oneOffYAML)
	plan := planUp(t, p, observe(t, newFake()), UpOptions{Services: []string{"worker"}, OneOff: "worker"})
	text := plan.String()
	for _, want := range []string{"shop_default", "shop-db-1"} {
		if !strings.Contains(text, want) {
			t.Errorf("plan for run worker\n%s\nwant it to contain %s", text, want)
		}
	}
	if strings.Contains(text, "shop-worker-1") {
		t.Errorf("plan for run worker\n%s\nplans worker's own container", text)
	}
}
