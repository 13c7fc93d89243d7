package reconcile

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestHashInputMatchesServiceHash(t *testing.T) {
	p := load(t, shop+"  worker:\n    build: ./worker\n    scale: 2\n    deploy: {replicas: 2}\n    profiles: [jobs]\n")
	for _, name := range []string{"web", "db", "worker"} {
		svc := p.Services[name]
		b, err := hashInput(svc)
		if err != nil {
			t.Fatal(err)
		}
		want, err := ServiceHash(svc)
		if err != nil {
			t.Fatal(err)
		}
		if got := sha256Hex(b); got != want {
			t.Errorf("sha256(hashInput(%s)) got %s, want ServiceHash %s", name, got, want)
		}
	}
}

func TestConfigReasons(t *testing.T) {
	tests := []struct {
		name       string
		have, want string   // JSON objects; have "" means no record
		secret     []string // sensitive values
		reasons    []Reason
	}{
		{name: "no record", have: "", want: `{}`, reasons: []Reason{{Code: codeConfigChanged,
			Detail: "configuration changed (created without berth's record; field details unavailable)"}}},
		{name: "env changed hides value", have: `{"environment":{"A":"x","B":"1"}}`, want: `{"environment":{"A":"y","B":"1"}}`,
			reasons: []Reason{{Code: codeEnvChanged, Field: "environment.A", Detail: "environment.A changed (value hidden)"}}},
		{name: "env added and removed", have: `{"environment":{"A":"x"}}`, want: `{"environment":{"B":"x"}}`,
			reasons: []Reason{
				{Code: codeEnvChanged, Field: "environment.A", Detail: "environment.A removed"},
				{Code: codeEnvChanged, Field: "environment.B", Detail: "environment.B added"}}},
		{name: "image shows values", have: `{"image":"a:1"}`, want: `{"image":"a:2"}`,
			reasons: []Reason{{Code: codeConfigChanged, Field: "image", Detail: "image changed (a:1 → a:2)"}}},
		{name: "other fields by name", have: `{"ports":[1],"healthcheck":{"test":["x"]}}`, want: `{"ports":[2],"healthcheck":{"test":["y"]}}`,
			reasons: []Reason{
				{Code: codeConfigChanged, Field: "healthcheck", Detail: "healthcheck changed"},
				{Code: codeConfigChanged, Field: "ports", Detail: "ports changed"}}},
		{name: "command shows the new value only", have: `{"command":["serve","--old"]}`, want: `{"command":["serve","--port","9 0"]}`,
			reasons: []Reason{{Code: codeConfigChanged, Field: "command", Detail: `command changed to ["serve", "--port", "9 0"]`}}},
		{name: "command with a secret is hidden", have: `{"command":["x"]}`, want: `{"command":["run","--password=hunter22"]}`,
			secret:  []string{"hunter22"},
			reasons: []Reason{{Code: codeConfigChanged, Field: "command", Detail: "command changed " + hiddenNote}}},
		{name: "secret spanning arguments is hidden", have: `{}`, want: `{"entrypoint":["login","alice","hunter22"]}`,
			secret:  []string{"alice hunter22"},
			reasons: []Reason{{Code: codeConfigChanged, Field: "entrypoint", Detail: "entrypoint changed " + hiddenNote}}},
		{name: "entrypoint removed", have: `{"entrypoint":["sh","-c"]}`, want: `{}`,
			reasons: []Reason{{Code: codeConfigChanged, Field: "entrypoint", Detail: "entrypoint removed"}}},
		{name: "labels show new values", have: `{"labels":{"tier":"a","old":"x"}}`, want: `{"labels":{"tier":"b","new":"y"}}`,
			reasons: []Reason{
				{Code: codeConfigChanged, Field: "labels.new", Detail: `labels.new added, set to "y"`},
				{Code: codeConfigChanged, Field: "labels.old", Detail: "labels.old removed"},
				{Code: codeConfigChanged, Field: "labels.tier", Detail: `labels.tier changed to "b"`}}},
		{name: "label with a secret is hidden", have: `{"labels":{"dsn":"a"}}`, want: `{"labels":{"dsn":"pg://u:hunter22@db"}}`,
			secret:  []string{"hunter22"},
			reasons: []Reason{{Code: codeConfigChanged, Field: "labels.dsn", Detail: "labels.dsn changed " + hiddenNote}}},
		{name: "secrets by source",
			have: `{"secrets":[{"source":"a","target":"/run/secrets/a"},{"source":"b"},{"source":"c","mode":"0400"}]}`,
			want: `{"secrets":[{"source":"b"},{"source":"c","target":"x","mode":"0440"},{"source":"d"}]}`,
			reasons: []Reason{
				{Code: codeConfigChanged, Field: "secrets.a", Detail: "secrets.a removed"},
				{Code: codeConfigChanged, Field: "secrets.c", Detail: "secrets.c changed (mode, target)"},
				{Code: codeConfigChanged, Field: "secrets.d", Detail: "secrets.d added"}}},
		{name: "configs reordered", have: `{"configs":[{"source":"a"},{"source":"b"}]}`, want: `{"configs":[{"source":"b"},{"source":"a"}]}`,
			reasons: []Reason{{Code: codeConfigChanged, Field: "configs", Detail: "configs changed"}}},
		{name: "same JSON, other hash", have: `{"a":1}`, want: `{"a":1}`,
			reasons: []Reason{{Code: codeConfigChanged, Detail: "configuration changed"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var have *record
			if tt.have != "" {
				r, err := newRecord([]byte(tt.have))
				if err != nil {
					t.Fatal(err)
				}
				have = &r
			}
			got := configReasons(have, []byte(tt.want), sensitive{values: tt.secret})
			if d := cmp.Diff(tt.reasons, got); d != "" {
				t.Errorf("configReasons(%s, %s) (-want +got):\n%s", tt.have, tt.want, d)
			}
		})
	}
}

func TestNormalizeImage(t *testing.T) {
	for in, want := range map[string]string{
		"nginx":                        "nginx:latest",
		"docker.io/library/nginx:1.25": "nginx:1.25",
		"registry:5000/team/app":       "registry:5000/team/app:latest",
		"registry:5000/team/app:v2":    "registry:5000/team/app:v2",
		"app@sha256:0123":              "app@sha256:0123",
		"docker.io/example/api:1.4":    "example/api:1.4",
	} {
		if got := normalizeImage(in); got != want {
			t.Errorf("normalizeImage(%q) got %q, want %q", in, got, want)
		}
	}
}

func TestPlanJSON(t *testing.T) {
	f := newFake()
	plan := planUp(t, load(t, shop), observe(t, f), UpOptions{})
	b, err := json.Marshal(plan)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Project string `json:"project"`
		Actions []struct {
			Index   int      `json:"index"`
			Kind    string   `json:"kind"`
			Target  Ref      `json:"target"`
			Reasons []Reason `json:"reasons"`
			After   []int    `json:"after"`
		} `json:"actions"`
		Warnings []string `json:"warnings"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("unmarshal %s: %v", b, err)
	}
	if got.Project != "shop" || len(got.Actions) != len(plan.Actions) || got.Warnings == nil {
		t.Fatalf("Plan JSON got %s, want project shop, %d actions, warnings []", b, len(plan.Actions))
	}
	for i, a := range got.Actions {
		if a.Index != i || a.Kind != string(plan.Actions[i].Kind) || a.Target.Name != plan.Actions[i].Target.Name || a.After == nil {
			t.Errorf("Plan JSON action %d got %+v, want %+v", i, a, plan.Actions[i])
		}
	}
	if !strings.Contains(string(b), `"code":"new-service"`) {
		t.Errorf("Plan JSON got %s, want reason codes", b)
	}
}
