package reconcile

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/fake"
)

// leakYAML puts sensitive values everywhere a compose file can: literal
// environment values, .env values interpolated into the environment, a
// label, a command and a config's content, an env_file, a secret file and
// a secret taken from the environment. %s is the db_password target.
const leakYAML = `
secrets:
  db_password: {file: ./db_password.txt}
  api_token: {environment: API_TOKEN}
configs:
  app_conf: {content: "key=${CONF_VALUE}"}
services:
  db:
    image: postgres:16
    environment:
      POSTGRES_PASSWORD: ${DB_PASSWORD}
      SESSION_KEY: %[2]s
    secrets: [{source: db_password, target: %[1]s}]
  web:
    image: example/api:1.4
    env_file: [./web.env]
    environment:
      DB_PASSWORD: ${DB_PASSWORD}
    labels:
      dsn: "pg://app:${DB_PASSWORD}@db/app"
    secrets: [db_password, api_token]
    configs: [app_conf]
    depends_on: [db]
  worker:
    image: busybox
    command: ["work", "--token", "${API_TOKEN}"]
    depends_on: [web]
`

// generation is one set of sensitive values for leakYAML.
type generation struct {
	files  map[string]string
	values []string // every sensitive value this generation holds
}

func newGeneration(t *testing.T, target string) generation {
	t.Helper()
	v := func(what string) string {
		b := make([]byte, 6)
		if _, err := rand.Read(b); err != nil {
			t.Fatal(err)
		}
		return "s3cr3t-" + what + "-" + hex.EncodeToString(b)
	}
	g := generation{}
	dbPassword, apiToken, conf := v("dotenv-db"), v("dotenv-token"), v("dotenv-conf")
	literal, envFile, file := v("literal"), v("envfile"), v("file")
	g.values = []string{dbPassword, apiToken, conf, literal, envFile, file}
	g.files = map[string]string{
		"compose.yaml":    fmt.Sprintf(leakYAML, target, literal),
		".env":            fmt.Sprintf("DB_PASSWORD=%s\nAPI_TOKEN=%s\nCONF_VALUE=%s\n", dbPassword, apiToken, conf),
		"web.env":         "WEB_SECRET=" + envFile + "\n",
		"db_password.txt": file,
	}
	return g
}

// recorder collects every text reconcile produces for people.
type recorder struct {
	mu    sync.Mutex
	texts []string
}

func (r *recorder) add(what string, texts ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range texts {
		r.texts = append(r.texts, what+": "+s)
	}
}

func (r *recorder) event(e Event) {
	r.add("event text", e.Text)
	if e.Err != nil {
		r.add("event error", e.Err.Error())
	}
}

func (r *recorder) plan(t *testing.T, p Plan) {
	t.Helper()
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	r.add("plan", p.String())
	r.add("plan JSON", string(b))
	for _, a := range p.Actions {
		for _, why := range a.Reasons {
			r.add("reason", why.Code, why.Field, why.Detail)
		}
	}
	r.add("warning", p.Warnings...)
}

func (r *recorder) err(what string, err error) {
	if err != nil {
		r.add(what, err.Error())
	}
}

// TestNoSecretInOutput runs a project full of sensitive values through
// several changes and injected failures, and checks that none of those
// values ever appears in a plan, its JSON, a progress event, a warning or
// an error.
func TestNoSecretInOutput(t *testing.T) {
	ctx := context.Background()
	dir, state := t.TempDir(), t.TempDir()
	f := newFake()
	rec := &recorder{}
	var all []string // every sensitive value so far
	opts := ApplyOptions{StateDir: state, Progress: rec.event}
	boom := errors.New("daemon refused")

	steps := []struct {
		name   string
		gen    bool   // new sensitive values
		target string // the db_password target in db
		up     UpOptions
		before func(dir string) // edits the project directory after writing it
		inject func(*fake.Engine)
		// wantErr: Apply (or PlanUp) must fail, so the failure path is covered.
		wantErr bool
		planErr bool
	}{
		{name: "fresh", gen: true, target: "pw"},
		{name: "rotate, web create fails", gen: true, target: "pw", wantErr: true,
			inject: func(f *fake.Engine) {
				f.Hooks.CreateContainer = func(_ context.Context, spec engine.ContainerSpec) error {
					if spec.Service.Name == "web" {
						return boom
					}
					return nil
				}
			}},
		{name: "retry, worker start fails", target: "pw", wantErr: true,
			inject: func(f *fake.Engine) {
				f.Hooks.StartContainer = func(ctx context.Context, id string) error {
					if c, err := f.InspectContainer(ctx, id); err == nil && c.Labels[engine.LabelService] == "worker" {
						return boom
					}
					return nil
				}
			}},
		{name: "retry", target: "pw"},
		{name: "secret moved, old container removal fails", target: "/etc/pw", wantErr: true,
			inject: func(f *fake.Engine) {
				f.Hooks.RemoveContainer = func(context.Context, string, engine.RemoveOptions) error { return boom }
			}},
		{name: "secret file gone", target: "/etc/pw", planErr: true, up: UpOptions{ForceRecreate: true},
			before: func(dir string) { _ = os.Remove(filepath.Join(dir, "db_password.txt")) }},
		{name: "rotate again, forced", gen: true, target: "/etc/pw", up: UpOptions{ForceRecreate: true}},
	}
	var g generation
	for _, step := range steps {
		if step.gen || g.files == nil {
			g = newGeneration(t, step.target)
			all = append(all, g.values...)
		}
		g.files["compose.yaml"] = fmt.Sprintf(leakYAML, step.target, g.values[3])
		p := project(t, dir, g.files)
		if step.before != nil {
			step.before(dir)
		}
		f.Hooks = fake.Hooks{}
		if step.inject != nil {
			step.inject(f)
		}
		plan, err := PlanUp(p, graph(t, p), observe(t, f), step.up)
		rec.err("PlanUp error", err)
		if (err != nil) != step.planErr {
			t.Fatalf("%s: PlanUp got error %v, want error %t", step.name, err, step.planErr)
		}
		if err != nil {
			continue
		}
		rec.plan(t, plan)
		err = Apply(ctx, plan, f, opts)
		rec.err("Apply error", err)
		if (err != nil) != step.wantErr {
			t.Fatalf("%s: Apply got error %v, want error %t\nplan:\n%s", step.name, err, step.wantErr, plan)
		}
	}
	// The values did reach the engine, so their absence below means something.
	if !sawValue(t, f, all) {
		t.Fatalf("no sensitive value reached the engine; the test checks nothing")
	}
	f.Hooks = fake.Hooks{}
	f.Hooks.RemoveNetwork = func(context.Context, string) error { return boom }
	down, err := PlanDown(&types.Project{Name: "shop"}, observe(t, f), DownOptions{Volumes: true})
	if err != nil {
		t.Fatal(err)
	}
	rec.plan(t, down)
	rec.err("Apply(down) error", Apply(ctx, down, f, opts))

	if !strings.Contains(strings.Join(rec.texts, "\n"), hiddenNote) {
		t.Errorf("no reason hid a value; want the worker's command and web's dsn label hidden")
	}
	for _, text := range rec.texts {
		for _, v := range all {
			if strings.Contains(text, v) {
				t.Errorf("%s\nshows the sensitive value %s", text, v)
			}
		}
	}
}

// sawValue reports whether a created container's environment holds one of
// values.
func sawValue(t *testing.T, f *fake.Engine, values []string) bool {
	t.Helper()
	for _, c := range observe(t, f).Containers {
		spec, err := f.Spec(c.ID)
		if err != nil {
			continue
		}
		for _, v := range spec.Service.Environment {
			for _, s := range values {
				if v != nil && *v == s {
					return true
				}
			}
		}
	}
	return false
}
