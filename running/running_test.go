package running

import (
	"context"
	"strings"
	"testing"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/fake"
)

func ctr(name, project, service, number, state string, oneoff bool, ports ...engine.Port) engine.Container {
	labels := map[string]string{engine.LabelProject: project, engine.LabelService: service,
		engine.LabelNumber: number, engine.LabelOneoff: "False",
		engine.LabelConfigFiles: "/src/" + project + "/compose.yaml"}
	if oneoff {
		labels[engine.LabelOneoff] = "True"
	}
	return engine.Container{ID: name + "-id", Name: name, State: state, Labels: labels, Ports: ports}
}

func TestPort(t *testing.T) {
	tcp := func(private, public uint16) engine.Port {
		return engine.Port{HostIP: "0.0.0.0", HostPort: public, ContainerPort: private, Protocol: "tcp"}
	}
	cs := []engine.Container{
		ctr("shop-web-run-1", "shop", "web", "1", "running", true, tcp(80, 40000)),
		ctr("shop-web-2", "shop", "web", "2", "running", false, tcp(80, 32769)),
		ctr("shop-web-1", "shop", "web", "1", "running", false, tcp(80, 32768),
			engine.Port{HostIP: "::", HostPort: 32768, ContainerPort: 80, Protocol: "tcp"},
			engine.Port{ContainerPort: 9000, Protocol: "tcp"},
			engine.Port{HostPort: 5353, ContainerPort: 53, Protocol: "udp"}),
		ctr("shop-db-1", "shop", "db", "1", "exited", false, tcp(5432, 5432)),
		ctr("shop-job-run-1", "shop", "job", "1", "running", true, tcp(8000, 41000)),
	}
	tests := []struct {
		q       PortQuery
		want    string
		wantErr string
	}{
		{q: PortQuery{Service: "web", Port: 80}, want: "0.0.0.0:32768"},
		{q: PortQuery{Service: "web", Port: 80, Index: 2}, want: "0.0.0.0:32769"},
		{q: PortQuery{Service: "web", Port: 53, Protocol: "UDP"}, want: "0.0.0.0:5353"},
		{q: PortQuery{Service: "job", Port: 8000}, want: "0.0.0.0:41000"},
		{q: PortQuery{Service: "web", Port: 81}, wantErr: "no port 81/tcp for container shop-web-1: 80/tcp, 9000/tcp, 53/udp"},
		{q: PortQuery{Service: "web", Port: 9000}, wantErr: "no port 9000/tcp for container shop-web-1"},
		{q: PortQuery{Service: "web", Port: 80, Index: 3}, wantErr: `service "web" is not running container #3`},
		{q: PortQuery{Service: "db", Port: 5432}, wantErr: `service "db" is not running`},
	}
	for _, tt := range tests {
		got, err := Port(cs, tt.q)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Port(%+v) got %q, %v, want error %q", tt.q, got, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("Port(%+v) got %q, %v, want %q", tt.q, got, err, tt.want)
		}
	}
}

func TestProjects(t *testing.T) {
	b := ctr("b-web-1", "b", "web", "1", "running", false)
	b.Labels[engine.LabelConfigFiles] = "/src/b/compose.yaml,/src/b/compose.override.yaml"
	noFiles := ctr("c-web-1", "c", "web", "1", "running", false)
	delete(noFiles.Labels, engine.LabelConfigFiles)
	cs := []engine.Container{
		ctr("a-web-1", "a", "web", "1", "running", false),
		ctr("a-db-1", "a", "db", "1", "exited", false),
		ctr("a-web-2", "a", "web", "2", "running", false),
		b, ctr("b-db-1", "b", "db", "1", "paused", false),
		noFiles,
		{Name: "loose", State: "running"},
	}
	got := Projects(cs)
	want := []Project{
		{Name: "a", Status: "exited(1), running(2)", ConfigFiles: "/src/a/compose.yaml"},
		{Name: "b", Status: "paused(1), running(1)", ConfigFiles: "/src/b/compose.yaml,/src/b/compose.override.yaml"},
		{Name: "c", Status: "running(1)", ConfigFiles: "N/A"},
	}
	if len(got) != len(want) {
		t.Fatalf("Projects got %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("Projects[%d] got %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestNameFilter(t *testing.T) {
	ps := []Project{{Name: "shop"}, {Name: "shop-dev"}, {Name: "blog"}}
	tests := []struct {
		flags []string
		want  string
	}{
		{nil, "shop,shop-dev,blog"},
		{[]string{"name=blog"}, "blog"},
		{[]string{"name=^shop$"}, "shop"},
		{[]string{"name=dev", "name=blog"}, "shop-dev,blog"},
		{[]string{"name=nope"}, ""},
		{[]string{"name=("}, ""},
	}
	for _, tt := range tests {
		f, err := ParseFilters(tt.flags)
		if err != nil {
			t.Fatalf("ParseFilters(%v): %v", tt.flags, err)
		}
		var names []string
		for _, p := range f.Apply(ps) {
			names = append(names, p.Name)
		}
		if got := strings.Join(names, ","); got != tt.want {
			t.Errorf("filter %v got %q, want %q", tt.flags, got, tt.want)
		}
	}
	for _, bad := range []string{"status=running", "name"} {
		if _, err := ParseFilters([]string{bad}); err == nil {
			t.Errorf("ParseFilters(%q) got no error", bad)
		}
	}
}

func TestWaitable(t *testing.T) {
	ctx := context.Background()
	seed := []engine.Container{
		ctr("p-a-1", "p", "a", "1", "running", false),
		ctr("p-b-1", "p", "b", "1", "running", false),
		ctr("p-c-1", "p", "c", "1", "exited", false),
	}
	for i := range seed {
		seed[i].ID = ""
	}
	f := fake.New().WithContainer(seed...).Build()
	all, err := f.Containers(ctx, "p")
	if err != nil {
		t.Fatal(err)
	}
	cs := Waitable(all, nil)
	if len(cs) != 2 {
		t.Fatalf("Waitable got %d containers, want the 2 running", len(cs))
	}
	if got := Waitable(all, []string{"b", "c"}); len(got) != 1 || got[0].Name != "p-b-1" {
		t.Errorf("Waitable(b, c) got %v, want p-b-1 alone", got)
	}
}
