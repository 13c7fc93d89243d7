package isolate

import (
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/google/go-cmp/cmp"
)

func TestRewritePorts(t *testing.T) {
	tests := []struct {
		name      string
		ports     string // the web service's ports, as YAML
		wantPorts []types.ServicePortConfig
		want      []Rewritten
	}{
		{
			name:      "short",
			ports:     `["8080:80"]`,
			wantPorts: []types.ServicePortConfig{{Mode: "ingress", Target: 80, Protocol: "tcp"}},
			want:      []Rewritten{{Service: "web", Target: 80, Protocol: "tcp", Published: "8080"}},
		},
		{
			name:      "host ip and udp",
			ports:     `["127.0.0.1:5353:53/udp"]`,
			wantPorts: []types.ServicePortConfig{{Mode: "ingress", HostIP: "127.0.0.1", Target: 53, Protocol: "udp"}},
			want:      []Rewritten{{Service: "web", Target: 53, Protocol: "udp", HostIP: "127.0.0.1", Published: "5353"}},
		},
		{
			name:  "range",
			ports: `["8000-8001:80-81"]`,
			wantPorts: []types.ServicePortConfig{
				{Mode: "ingress", Target: 80, Protocol: "tcp"},
				{Mode: "ingress", Target: 81, Protocol: "tcp"},
			},
			want: []Rewritten{
				{Service: "web", Target: 80, Protocol: "tcp", Published: "8000"},
				{Service: "web", Target: 81, Protocol: "tcp", Published: "8001"},
			},
		},
		{
			name:      "host range for one port",
			ports:     `["8000-8010:80"]`,
			wantPorts: []types.ServicePortConfig{{Mode: "ingress", Target: 80, Protocol: "tcp"}},
			want:      []Rewritten{{Service: "web", Target: 80, Protocol: "tcp", Published: "8000-8010"}},
		},
		{
			name:  "long syntax",
			ports: `[{target: 80, published: "8080", host_ip: "::1", protocol: tcp, name: http, app_protocol: http}]`,
			wantPorts: []types.ServicePortConfig{
				{Name: "http", Mode: "ingress", HostIP: "::1", Target: 80, Protocol: "tcp", AppProtocol: "http"},
			},
			want: []Rewritten{{Service: "web", Target: 80, Protocol: "tcp", HostIP: "::1", Published: "8080"}},
		},
		{
			name:  "no host port",
			ports: `["80", "127.0.0.1::81", {target: 82}, "9090:90"]`,
			wantPorts: []types.ServicePortConfig{
				{Mode: "ingress", Target: 80, Protocol: "tcp"},
				{Mode: "ingress", HostIP: "127.0.0.1", Target: 81, Protocol: "tcp"},
				{Mode: "ingress", Target: 82, Protocol: "tcp"},
				{Mode: "ingress", Target: 90, Protocol: "tcp"},
			},
			want: []Rewritten{{Service: "web", Target: 90, Protocol: "tcp", Published: "9090"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := load(t, "services:\n  web:\n    image: app\n    expose: [\"7000\"]\n    ports: "+tt.ports+"\n  db:\n    image: pg\n    ports: [\"5432:5432\"]\n")
			before := p.Services["web"].Ports
			beforeCopy := append([]types.ServicePortConfig(nil), before...)
			got, rewritten := RewritePorts(p)
			// db's fixed port comes first: services are in name order.
			want := append([]Rewritten{{Service: "db", Target: 5432, Protocol: "tcp", Published: "5432"}}, tt.want...)
			if diff := cmp.Diff(want, rewritten); diff != "" {
				t.Errorf("RewritePorts rewrote (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantPorts, got.Services["web"].Ports); diff != "" {
				t.Errorf("RewritePorts web ports (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{"7000"}, []string(got.Services["web"].Expose)); diff != "" {
				t.Errorf("RewritePorts changed expose (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(beforeCopy, p.Services["web"].Ports); diff != "" {
				t.Errorf("RewritePorts changed the caller's project (-before +after):\n%s", diff)
			}
			if p.Services["db"].Ports[0].Published != "5432" {
				t.Errorf("RewritePorts changed the caller's db port to %q", p.Services["db"].Ports[0].Published)
			}
			// A second rewrite finds nothing: the result is stable.
			again, more := RewritePorts(got)
			if len(more) != 0 || again != got {
				t.Errorf("RewritePorts of its own result rewrote %v", more)
			}
		})
	}
}

func TestRewritePortsNothingFixed(t *testing.T) {
	p := load(t, "services:\n  web:\n    image: app\n    ports: [\"80\"]\n")
	got, rewritten := RewritePorts(p)
	if got != p || rewritten != nil {
		t.Errorf("RewritePorts without fixed ports = %p, %v; want the project as is and nothing", got, rewritten)
	}
}

func TestRewrittenString(t *testing.T) {
	for _, tt := range []struct {
		r    Rewritten
		want string
	}{
		{Rewritten{Service: "web", Target: 80, Protocol: "tcp", Published: "8080"}, "web: 8080:80/tcp"},
		{Rewritten{Service: "dns", Target: 53, Protocol: "udp", HostIP: "127.0.0.1", Published: "5353"}, "dns: 127.0.0.1:5353:53/udp"},
	} {
		if got := tt.r.String(); got != tt.want {
			t.Errorf("%#v.String() = %q, want %q", tt.r, got, tt.want)
		}
	}
}
