package planner

import (
	"slices"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/google/go-cmp/cmp"
)

// project builds a project from services, keyed by their Name, the way the
// loader would hand it over.
func project(services ...types.ServiceConfig) *types.Project {
	p := &types.Project{Name: "test", Services: types.Services{}}
	for _, s := range services {
		p.Services[s.Name] = s
	}
	return p
}

// needs is the short form `depends_on: [a, b]` as the loader expands it.
func needs(names ...string) types.DependsOnConfig {
	d := types.DependsOnConfig{}
	for _, n := range names {
		d[n] = types.ServiceDependency{Condition: types.ServiceConditionStarted, Required: true}
	}
	return d
}

func TestEdges(t *testing.T) {
	started := types.ServiceConditionStarted
	db := types.ServiceConfig{Name: "db"}
	cache := types.ServiceConfig{Name: "cache"}
	tests := []struct {
		name string
		web  types.ServiceConfig
		want []Edge
	}{
		{
			name: "no dependencies",
			web:  types.ServiceConfig{Name: "web"},
		},
		{
			name: "depends_on short form",
			web:  types.ServiceConfig{Name: "web", DependsOn: needs("db", "cache")},
			want: []Edge{
				{From: "web", To: "cache", Kind: KindDependsOn, Condition: started, Required: true},
				{From: "web", To: "db", Kind: KindDependsOn, Condition: started, Required: true},
			},
		},
		{
			name: "depends_on long form",
			web: types.ServiceConfig{Name: "web", DependsOn: types.DependsOnConfig{
				"db":    {Condition: types.ServiceConditionHealthy, Required: true, Restart: true},
				"cache": {Condition: types.ServiceConditionCompletedSuccessfully, Required: false},
			}},
			want: []Edge{
				{From: "web", To: "cache", Kind: KindDependsOn, Condition: types.ServiceConditionCompletedSuccessfully},
				{From: "web", To: "db", Kind: KindDependsOn, Condition: types.ServiceConditionHealthy, Required: true, Restart: true},
			},
		},
		{
			name: "depends_on without condition waits for start",
			web:  types.ServiceConfig{Name: "web", DependsOn: types.DependsOnConfig{"db": {Required: true}}},
			want: []Edge{{From: "web", To: "db", Kind: KindDependsOn, Condition: started, Required: true}},
		},
		{
			name: "links with and without alias, folded",
			web:  types.ServiceConfig{Name: "web", Links: []string{"db:database", "cache", "db"}},
			want: []Edge{
				{From: "web", To: "cache", Kind: KindLinks, Condition: started, Required: true, Restart: true},
				{From: "web", To: "db", Kind: KindLinks, Condition: started, Required: true, Restart: true},
			},
		},
		{
			name: "network_mode service",
			web:  types.ServiceConfig{Name: "web", NetworkMode: "service:db"},
			want: []Edge{{From: "web", To: "db", Kind: KindNetworkMode, Condition: started, Required: true, Restart: true}},
		},
		{
			name: "pid service",
			web:  types.ServiceConfig{Name: "web", Pid: "service:db"},
			want: []Edge{{From: "web", To: "db", Kind: KindPid, Condition: started, Required: true, Restart: true}},
		},
		{
			name: "ipc service",
			web:  types.ServiceConfig{Name: "web", Ipc: "service:db"},
			want: []Edge{{From: "web", To: "db", Kind: KindIpc, Condition: started, Required: true, Restart: true}},
		},
		{
			name: "namespaces shared with containers or the host are not edges",
			web:  types.ServiceConfig{Name: "web", NetworkMode: "container:other", Pid: "host", Ipc: "shareable"},
		},
		{
			name: "volumes_from with modes; container entries skipped",
			web:  types.ServiceConfig{Name: "web", VolumesFrom: []string{"db:ro", "container:backup", "cache", "db:rw"}},
			want: []Edge{
				{From: "web", To: "cache", Kind: KindVolumesFrom, Condition: started, Required: true},
				{From: "web", To: "db", Kind: KindVolumesFrom, Condition: started, Required: true},
			},
		},
		{
			// What the loader produces for `links: [db]`: an implicit
			// depends_on plus the link. Both kinds are kept.
			name: "same target through two attributes",
			web: types.ServiceConfig{Name: "web", Links: []string{"db"}, DependsOn: types.DependsOnConfig{
				"db": {Condition: started, Required: true, Restart: true},
			}},
			want: []Edge{
				{From: "web", To: "db", Kind: KindDependsOn, Condition: started, Required: true, Restart: true},
				{From: "web", To: "db", Kind: KindLinks, Condition: started, Required: true, Restart: true},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := Build(project(tt.web, db, cache))
			if err != nil {
				t.Fatalf("Build: %v", err)
			}
			if diff := cmp.Diff(tt.want, g.Edges("web")); diff != "" {
				t.Errorf("Edges(web) mismatch (-want +got):\n%s", diff)
			}
			var wantDeps []string
			for _, e := range tt.want {
				if len(wantDeps) == 0 || wantDeps[len(wantDeps)-1] != e.To {
					wantDeps = append(wantDeps, e.To)
				}
			}
			for _, dep := range []string{"cache", "db"} {
				got := g.Dependents(dep)
				var want []string
				if slices.Contains(wantDeps, dep) {
					want = []string{"web"}
				}
				if !cmp.Equal(got, want) {
					t.Errorf("Dependents(%s) got %q, want %q", dep, got, want)
				}
			}
		})
	}
}

func TestOptionalDependency(t *testing.T) {
	optional := types.ServiceDependency{Condition: types.ServiceConditionStarted, Required: false}
	tests := []struct {
		name     string
		p        *types.Project
		want     []Edge
		wantDeps []string // Order()
	}{
		{
			name:     "missing service is dropped",
			p:        project(types.ServiceConfig{Name: "web", DependsOn: types.DependsOnConfig{"metrics": optional}}),
			wantDeps: []string{"web"},
		},
		{
			name: "disabled service is dropped",
			p: func() *types.Project {
				p := project(types.ServiceConfig{Name: "web", DependsOn: types.DependsOnConfig{"metrics": optional}})
				p.DisabledServices = types.Services{"metrics": {Name: "metrics", Profiles: []string{"debug"}}}
				return p
			}(),
			wantDeps: []string{"web"},
		},
		{
			name: "present service is kept, not required",
			p: project(
				types.ServiceConfig{Name: "web", DependsOn: types.DependsOnConfig{"metrics": optional}},
				types.ServiceConfig{Name: "metrics"},
			),
			want:     []Edge{{From: "web", To: "metrics", Kind: KindDependsOn, Condition: types.ServiceConditionStarted}},
			wantDeps: []string{"metrics", "web"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := Build(tt.p)
			if err != nil {
				t.Fatalf("Build: %v", err)
			}
			if diff := cmp.Diff(tt.want, g.Edges("web")); diff != "" {
				t.Errorf("Edges(web) mismatch (-want +got):\n%s", diff)
			}
			if got := g.Order(); !cmp.Equal(got, tt.wantDeps) {
				t.Errorf("Order() got %q, want %q", got, tt.wantDeps)
			}
			// The project itself keeps the optional entry: Build must not
			// edit its input the way compose-go's graph does.
			if _, ok := tt.p.Services["web"].DependsOn["metrics"]; !ok {
				t.Errorf("Build removed web's depends_on metrics from the project")
			}
		})
	}
}
