package oneoff_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/oneoff"
)

func project() *types.Project {
	return &types.Project{
		Name:        "shop",
		Environment: types.Mapping{"FROM_HOST": "h"},
		Services: types.Services{
			"web": {
				Name:        "web",
				Image:       "app",
				Command:     types.ShellCommand{"serve"},
				Entrypoint:  types.ShellCommand{"/init"},
				Environment: types.MappingWithEquals{"A": ptr("1"), "B": ptr("2")},
				Ports:       []types.ServicePortConfig{{Target: 80, Published: "8080", Protocol: "tcp"}},
				Labels:      types.Labels{"keep": "yes"},
				CapAdd:      []string{"SYS_TIME"},
				CapDrop:     []string{"NET_ADMIN"},
			},
		},
	}
}

func ptr(s string) *string { return &s }

func TestApply(t *testing.T) {
	empty := ""
	for _, tc := range []struct {
		name  string
		opts  oneoff.RunOptions
		check func(t *testing.T, s types.ServiceConfig)
	}{
		{"ports are dropped without --service-ports", oneoff.RunOptions{}, func(t *testing.T, s types.ServiceConfig) {
			if len(s.Ports) != 0 {
				t.Errorf("Ports got %v, want none", s.Ports)
			}
		}},
		{"--service-ports keeps them", oneoff.RunOptions{ServicePorts: true}, func(t *testing.T, s types.ServiceConfig) {
			if len(s.Ports) != 1 || s.Ports[0].Published != "8080" {
				t.Errorf("Ports got %v, want 8080:80", s.Ports)
			}
		}},
		{"--publish replaces them", oneoff.RunOptions{Publish: []string{"9090:90"}}, func(t *testing.T, s types.ServiceConfig) {
			if len(s.Ports) != 1 || s.Ports[0].Published != "9090" || s.Ports[0].Target != 90 {
				t.Errorf("Ports got %v, want 9090:90", s.Ports)
			}
		}},
		{"command replaces, entrypoint kept", oneoff.RunOptions{Command: []string{"ls", "-l"}}, func(t *testing.T, s types.ServiceConfig) {
			if !slices.Equal(s.Command, types.ShellCommand{"ls", "-l"}) || !slices.Equal(s.Entrypoint, types.ShellCommand{"/init"}) {
				t.Errorf("got entrypoint %v command %v, want [/init] [ls -l]", s.Entrypoint, s.Command)
			}
		}},
		{"--entrypoint alone clears the command", oneoff.RunOptions{Entrypoint: ptr("echo 'a b'")}, func(t *testing.T, s types.ServiceConfig) {
			if !slices.Equal(s.Entrypoint, types.ShellCommand{"echo", "a b"}) || len(s.Command) != 0 {
				t.Errorf("got entrypoint %q command %v, want [echo, a b] and none", s.Entrypoint, s.Command)
			}
		}},
		{"empty --entrypoint clears it", oneoff.RunOptions{Entrypoint: &empty, Command: []string{"x"}}, func(t *testing.T, s types.ServiceConfig) {
			if len(s.Entrypoint) != 0 || !slices.Equal(s.Command, types.ShellCommand{"x"}) {
				t.Errorf("got entrypoint %v command %v, want none and [x]", s.Entrypoint, s.Command)
			}
		}},
		{"-e overrides and resolves from the project environment", oneoff.RunOptions{Env: []string{"A=9", "FROM_HOST", "UNSET"}}, func(t *testing.T, s types.ServiceConfig) {
			got := map[string]string{}
			for k, v := range s.Environment {
				if v != nil {
					got[k] = *v
				}
			}
			want := map[string]string{"A": "9", "B": "2", "FROM_HOST": "h"}
			if len(got) != len(want) || got["A"] != "9" || got["B"] != "2" || got["FROM_HOST"] != "h" {
				t.Errorf("Environment got %v, want %v", got, want)
			}
		}},
		{"user, workdir, tty, stdin, name", oneoff.RunOptions{User: "1000", WorkingDir: "/w", TTY: true, Interactive: true, Name: "x"}, func(t *testing.T, s types.ServiceConfig) {
			if s.User != "1000" || s.WorkingDir != "/w" || !s.Tty || !s.StdinOpen || s.ContainerName != "x" {
				t.Errorf("got user %q workdir %q tty %v stdin %v name %q", s.User, s.WorkingDir, s.Tty, s.StdinOpen, s.ContainerName)
			}
		}},
		{"labels and volumes add", oneoff.RunOptions{Labels: []string{"extra=1"}, Volumes: []string{"/host:/c:ro"}}, func(t *testing.T, s types.ServiceConfig) {
			if s.Labels["keep"] != "yes" || s.Labels["extra"] != "1" {
				t.Errorf("Labels got %v, want keep and extra", s.Labels)
			}
			if len(s.Volumes) != 1 || s.Volumes[0].Source != "/host" || s.Volumes[0].Target != "/c" || !s.Volumes[0].ReadOnly {
				t.Errorf("Volumes got %+v, want /host:/c:ro", s.Volumes)
			}
		}},
		{"--cap-add undoes a drop", oneoff.RunOptions{CapAdd: []string{"NET_ADMIN"}, CapDrop: []string{"CHOWN"}}, func(t *testing.T, s types.ServiceConfig) {
			if !slices.Equal(s.CapAdd, []string{"SYS_TIME", "NET_ADMIN"}) || !slices.Equal(s.CapDrop, []string{"CHOWN"}) {
				t.Errorf("got cap_add %v cap_drop %v, want [SYS_TIME NET_ADMIN] [CHOWN]", s.CapAdd, s.CapDrop)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := project()
			s, err := oneoff.Apply(p, "web", tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, s)
			if orig := p.Services["web"]; *orig.Environment["A"] != "1" || len(orig.Labels) != 1 || len(orig.Ports) != 1 {
				t.Errorf("Apply changed the project's service: %+v", orig)
			}
		})
	}
}

func TestApplyErrors(t *testing.T) {
	for _, tc := range []struct {
		service string
		opts    oneoff.RunOptions
		want    string
	}{
		{"nope", oneoff.RunOptions{}, `no such service "nope"`},
		{"web", oneoff.RunOptions{ServicePorts: true, Publish: []string{"1:1"}}, "incompatible"},
		{"web", oneoff.RunOptions{Publish: []string{"x:y:z:w"}}, "--publish"},
		{"web", oneoff.RunOptions{Labels: []string{"=v"}}, "--label"},
	} {
		_, err := oneoff.Apply(project(), tc.service, tc.opts)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Apply(%s, %+v) got error %v, want one containing %q", tc.service, tc.opts, err, tc.want)
		}
	}
}

func TestPick(t *testing.T) {
	c := func(name, svc, number, state, oneOff string) engine.Container {
		return engine.Container{Name: name, State: state, Labels: map[string]string{
			engine.LabelService: svc, engine.LabelNumber: number, engine.LabelOneoff: oneOff}}
	}
	all := []engine.Container{
		c("shop-web-run-abc", "web", "", "running", "True"),
		c("shop-web-1", "web", "1", "running", "False"),
		c("shop-web-2", "web", "2", "running", "False"),
		c("shop-web-3", "web", "3", "exited", "False"),
		c("shop-db-1", "db", "1", "exited", "False"),
	}
	for _, tc := range []struct {
		service string
		index   int
		want    string // container name, or error text
	}{
		{"web", 1, "shop-web-1"},
		{"web", 2, "shop-web-2"},
		{"web", 3, `service "web" has no running container #3`},
		{"db", 1, `service "db" is not running`},
		{"cache", 1, `service "cache" is not running`},
	} {
		got, err := oneoff.Pick(all, tc.service, tc.index)
		if err != nil {
			if !strings.Contains(err.Error(), tc.want) || !errors.Is(err, oneoff.ErrNotRunning) {
				t.Errorf("Pick(%s, %d) got error %v, want %q (ErrNotRunning)", tc.service, tc.index, err, tc.want)
			}
			continue
		}
		if got.Name != tc.want {
			t.Errorf("Pick(%s, %d) got %s, want %s", tc.service, tc.index, got.Name, tc.want)
		}
	}
}
