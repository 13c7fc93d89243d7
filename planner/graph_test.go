package planner

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestBuildErrors(t *testing.T) {
	svc := func(name string, deps ...string) types.ServiceConfig {
		s := types.ServiceConfig{Name: name}
		if len(deps) > 0 {
			s.DependsOn = needs(deps...)
		}
		return s
	}
	withDisabled := func(p *types.Project, s types.ServiceConfig) *types.Project {
		p.DisabledServices = types.Services{s.Name: s}
		return p
	}
	tests := []struct {
		name    string
		p       *types.Project
		wantIs  error
		wantMsg string
	}{
		{
			name:    "two-node cycle",
			p:       project(svc("a", "b"), svc("b", "a")),
			wantIs:  ErrCycle,
			wantMsg: "dependency cycle: a -> b -> a",
		},
		{
			name:    "three-node cycle starts at the smallest name",
			p:       project(svc("web", "app"), svc("app", "db"), svc("db", "web")),
			wantIs:  ErrCycle,
			wantMsg: "dependency cycle: app -> db -> web -> app",
		},
		{
			name:    "self loop",
			p:       project(svc("web", "web")),
			wantIs:  ErrCycle,
			wantMsg: "dependency cycle: web -> web",
		},
		{
			name:    "cycle below an acyclic service lists only the loop",
			p:       project(svc("api", "db"), svc("db", "queue"), svc("queue", "db")),
			wantIs:  ErrCycle,
			wantMsg: "dependency cycle: db -> queue -> db",
		},
		{
			name: "cycle through links",
			p: project(
				types.ServiceConfig{Name: "web", Links: []string{"db:database"}},
				svc("db", "web"),
			),
			wantIs:  ErrCycle,
			wantMsg: "dependency cycle: db -> web -> db",
		},
		{
			name: "cycle through network_mode",
			p: project(
				types.ServiceConfig{Name: "vpn", NetworkMode: "service:app"},
				svc("app", "vpn"),
			),
			wantIs:  ErrCycle,
			wantMsg: "dependency cycle: app -> vpn -> app",
		},
		{
			name:    "unknown depends_on suggests a near name",
			p:       project(svc("web", "dbb"), svc("db")),
			wantIs:  ErrUnknownService,
			wantMsg: `service "web" depends on unknown service "dbb" via depends_on (did you mean "db"?)`,
		},
		{
			name:    "a typo of the service itself suggests nothing",
			p:       project(svc("web", "wbe")),
			wantIs:  ErrUnknownService,
			wantMsg: `service "web" depends on unknown service "wbe" via depends_on`,
		},
		{
			name:    "unknown link without a near name",
			p:       project(types.ServiceConfig{Name: "web", Links: []string{"postgres:db"}}, svc("db")),
			wantIs:  ErrUnknownService,
			wantMsg: `service "web" depends on unknown service "postgres" via links`,
		},
		{
			name:    "unknown network_mode service",
			p:       project(types.ServiceConfig{Name: "web", NetworkMode: "service:vpn"}),
			wantIs:  ErrUnknownService,
			wantMsg: `service "web" depends on unknown service "vpn" via network_mode`,
		},
		{
			name: "every unknown reference, in service order",
			p: project(
				types.ServiceConfig{Name: "web", VolumesFrom: []string{"data:ro"}, Pid: "service:tracer"},
				svc("api", "auth"),
			),
			wantIs: ErrUnknownService,
			wantMsg: `service "api" depends on unknown service "auth" via depends_on` + "\n" +
				`service "web" depends on unknown service "data" via volumes_from` + "\n" +
				`service "web" depends on unknown service "tracer" via pid`,
		},
		{
			name:    "required dependency on a disabled service",
			p:       withDisabled(project(svc("web", "debug")), types.ServiceConfig{Name: "debug", Profiles: []string{"dev", "ci"}}),
			wantIs:  ErrUnknownService,
			wantMsg: `service "web" depends on service "debug" via depends_on, but "debug" is disabled: enable it with --profile dev or --profile ci`,
		},
		{
			name:    "ipc on a disabled service",
			p:       withDisabled(project(types.ServiceConfig{Name: "web", Ipc: "service:shm"}), types.ServiceConfig{Name: "shm"}),
			wantIs:  ErrUnknownService,
			wantMsg: `service "web" depends on service "shm" via ipc, but "shm" is disabled: enable the profile that defines it`,
		},
		{
			name:    "nil project",
			wantMsg: "planner: no project to build a graph from",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Map iteration order changes between runs; the error must not.
			for range 10 {
				g, err := Build(tt.p)
				if err == nil {
					t.Fatalf("Build() got graph %q, want error %q", g.Order(), tt.wantMsg)
				}
				if err.Error() != tt.wantMsg {
					t.Fatalf("Build() error got %q, want %q", err, tt.wantMsg)
				}
				if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
					t.Fatalf("Build() error %q is not %v", err, tt.wantIs)
				}
			}
		})
	}
}

// diamond: web needs api and worker, both need db; adminer stands alone and
// z needs a, to separate name order from level order.
func diamond() *types.Project {
	return project(
		types.ServiceConfig{Name: "web", DependsOn: needs("api", "worker")},
		types.ServiceConfig{Name: "api", DependsOn: needs("db")},
		types.ServiceConfig{Name: "worker", Links: []string{"db"}},
		types.ServiceConfig{Name: "db"},
		types.ServiceConfig{Name: "adminer"},
		types.ServiceConfig{Name: "a"},
		types.ServiceConfig{Name: "z", VolumesFrom: []string{"a"}},
	)
}

func TestOrderAndLevels(t *testing.T) {
	tests := []struct {
		name       string
		p          *types.Project
		wantOrder  []string
		wantLevels [][]string
	}{
		{name: "empty project", p: project()},
		{
			name:       "independent services by name",
			p:          project(types.ServiceConfig{Name: "b"}, types.ServiceConfig{Name: "a"}),
			wantOrder:  []string{"a", "b"},
			wantLevels: [][]string{{"a", "b"}},
		},
		{
			name:       "diamond",
			p:          diamond(),
			wantOrder:  []string{"a", "adminer", "db", "api", "worker", "web", "z"},
			wantLevels: [][]string{{"a", "adminer", "db"}, {"api", "worker", "z"}, {"web"}},
		},
		{
			name: "level is the longest path, not the shortest",
			p: project(
				types.ServiceConfig{Name: "top", DependsOn: needs("mid", "base")},
				types.ServiceConfig{Name: "mid", DependsOn: needs("base")},
				types.ServiceConfig{Name: "base"},
			),
			wantOrder:  []string{"base", "mid", "top"},
			wantLevels: [][]string{{"base"}, {"mid"}, {"top"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := Build(tt.p)
			if err != nil {
				t.Fatalf("Build: %v", err)
			}
			if diff := cmp.Diff(tt.wantOrder, g.Order(), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Order() mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantLevels, g.Levels(), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Levels() mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.p.ServiceNames(), g.Services(), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Services() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestGraphIsImmutable(t *testing.T) {
	p := diamond()
	before := diamond() // an identical, untouched copy
	g, err := Build(p)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	if diff := cmp.Diff(before.Services, p.Services); diff != "" {
		t.Errorf("Build modified the project (-before +after):\n%s", diff)
	}

	order, levels, edges, deps := g.Order(), g.Levels(), g.Edges("web"), g.Dependents("db")
	order[0], levels[0][0], edges[0].To, deps[0] = "x", "x", "x", "x"
	if got := g.Order()[0]; got != "a" {
		t.Errorf("Order()[0] after editing a returned slice got %q, want %q", got, "a")
	}
	if got := g.Levels()[0][0]; got != "a" {
		t.Errorf("Levels()[0][0] after editing a returned slice got %q, want %q", got, "a")
	}
	if got := g.Edges("web")[0].To; got != "api" {
		t.Errorf("Edges(web)[0].To after editing a returned slice got %q, want %q", got, "api")
	}
	if got := g.Dependents("db")[0]; got != "api" {
		t.Errorf("Dependents(db)[0] after editing a returned slice got %q, want %q", got, "api")
	}
}

func TestSelect(t *testing.T) {
	g, err := Build(func() *types.Project {
		p := diamond()
		p.DisabledServices = types.Services{"debug": {Name: "debug", Profiles: []string{"dev"}}}
		return p
	}())
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	tests := []struct {
		services []string
		withDeps bool
		want     []string
		wantErr  string
	}{
		{services: nil, want: []string{"a", "adminer", "db", "api", "worker", "web", "z"}},
		{services: []string{"web"}, want: []string{"web"}},
		{services: []string{"web"}, withDeps: true, want: []string{"db", "api", "worker", "web"}},
		{services: []string{"web", "z"}, want: []string{"web", "z"}},
		{services: []string{"z", "worker", "worker"}, withDeps: true, want: []string{"a", "db", "worker", "z"}},
		{services: []string{"db"}, withDeps: true, want: []string{"db"}},
		{services: []string{"wbe"}, wantErr: `no such service "wbe" (did you mean "web"?)`},
		{services: []string{"debug", "nope", "debug"}, withDeps: true,
			wantErr: `service "debug" is disabled: enable it with --profile dev` + "\n" + `no such service "nope"`},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%q,deps=%v", tt.services, tt.withDeps), func(t *testing.T) {
			got, err := g.Select(tt.services, tt.withDeps)
			switch {
			case tt.wantErr != "":
				if err == nil || err.Error() != tt.wantErr || !errors.Is(err, ErrUnknownService) {
					t.Errorf("Select(%q, %v) got error %v, want %q wrapping ErrUnknownService", tt.services, tt.withDeps, err, tt.wantErr)
				}
			case err != nil:
				t.Errorf("Select(%q, %v) got error %v, want %q", tt.services, tt.withDeps, err, tt.want)
			case !slices.Equal(got, tt.want):
				t.Errorf("Select(%q, %v) got %q, want %q", tt.services, tt.withDeps, got, tt.want)
			}
		})
	}
}
