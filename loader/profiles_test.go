package loader

import (
	"errors"
	"slices"
	"testing"
)

const profilesCompose = `services:
  web:
    image: web
    depends_on: [api]
  api:
    image: api
    depends_on: [db]
  db:
    image: db
  debug:
    image: debug
    profiles: [debug]
  migrate:
    image: migrate
    profiles: [tools]
    depends_on: [db]
`

func TestProfilesAndSelection(t *testing.T) {
	tests := []struct {
		name         string
		opts         Options
		want         []string
		wantDisabled []string
	}{
		{"no profile", Options{}, []string{"api", "db", "web"}, []string{"debug", "migrate"}},
		{"--profile", Options{Profiles: []string{"debug"}}, []string{"api", "db", "debug", "web"}, []string{"migrate"}},
		{"COMPOSE_PROFILES", Options{Environ: map[string]string{"COMPOSE_PROFILES": "debug, tools"}}, []string{"api", "db", "debug", "migrate", "web"}, nil},
		{"--profile wins over COMPOSE_PROFILES", Options{Profiles: []string{"tools"}, Environ: map[string]string{"COMPOSE_PROFILES": "debug"}}, []string{"api", "db", "migrate", "web"}, []string{"debug"}},
		{"star", Options{Profiles: []string{"*"}}, []string{"api", "db", "debug", "migrate", "web"}, nil},
		{"selection pulls dependencies", Options{Services: []string{"api"}}, []string{"api", "db"}, nil},
		{"selection without dependencies", Options{Services: []string{"web"}, NoDeps: true}, []string{"web"}, nil},
		{"selecting enables its profile", Options{Services: []string{"migrate"}}, []string{"db", "migrate"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.WorkingDir = tree(t, map[string]string{"compose.yaml": profilesCompose})
			p := mustLoad(t, tt.opts)
			if got := p.ServiceNames(); !slices.Equal(got, tt.want) {
				t.Errorf("services got %v, want %v", got, tt.want)
			}
			if tt.wantDisabled != nil {
				if got := p.DisabledServiceNames(); !slices.Equal(got, tt.wantDisabled) {
					t.Errorf("disabled services got %v, want %v", got, tt.wantDisabled)
				}
			}
		})
	}
}

func TestSelectionNoDepsDropsEdges(t *testing.T) {
	p := mustLoad(t, Options{WorkingDir: tree(t, map[string]string{"compose.yaml": profilesCompose}), Services: []string{"web"}, NoDeps: true})
	if deps := p.Services["web"].DependsOn; len(deps) != 0 {
		t.Errorf("web.depends_on got %v, want none once api is not selected", deps)
	}
}

func TestSelectionUnknown(t *testing.T) {
	_, err := tryLoad(Options{WorkingDir: tree(t, map[string]string{"compose.yaml": profilesCompose}), Services: []string{"wbe"}})
	if !errors.Is(err, ErrUnknownService) {
		t.Fatalf("Load(Services: wbe) got error %v, want ErrUnknownService", err)
	}
	if want := `(did you mean "web"?)`; !contains(err, want) {
		t.Errorf("Load(Services: wbe) error %q, want it to contain %q", err, want)
	}
}
