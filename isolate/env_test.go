package isolate

import (
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth-dev/berth/engine"
)

// ctr is a running service container of project shop.
func ctr(service string, number int, ports ...engine.Port) engine.Container {
	return engine.Container{
		Name:  "shop-" + service + "-" + strconv.Itoa(number),
		State: "running",
		Labels: map[string]string{
			engine.LabelProject: "shop", engine.LabelService: service,
			engine.LabelNumber: strconv.Itoa(number), engine.LabelOneoff: "False",
		},
		Ports: ports,
	}
}

func bound(ip string, host, container uint16, proto string) engine.Port {
	return engine.Port{HostIP: ip, HostPort: host, ContainerPort: container, Protocol: proto}
}

func TestPortEnv(t *testing.T) {
	oneoff := ctr("web", 1, bound("0.0.0.0", 41000, 80, "tcp"))
	oneoff.Labels[engine.LabelOneoff] = "True"
	oneoff.Name = "shop-web-run-1"
	stopped := ctr("old", 1, bound("0.0.0.0", 41001, 80, "tcp"))
	stopped.State = "exited"
	tests := []struct {
		name string
		cs   []engine.Container
		want map[string]string
	}{
		{
			name: "names",
			cs: []engine.Container{
				ctr("web", 1, bound("0.0.0.0", 49153, 80, "tcp"), bound("", 0, 7000, "tcp")),
				ctr("my-db.v2", 1, bound("127.0.0.1", 49154, 5432, "tcp")),
				ctr("dns", 1, bound("0.0.0.0", 49155, 53, "udp"), bound("0.0.0.0", 49156, 53, "tcp"), bound("10.0.0.1", 49157, 9, "sctp")),
				oneoff, stopped,
			},
			want: map[string]string{
				"BERTH_PORT_WEB_80": "49153", "BERTH_HOST_WEB_80": "127.0.0.1",
				"BERTH_PORT_MY_DB_V2_5432": "49154", "BERTH_HOST_MY_DB_V2_5432": "127.0.0.1",
				"BERTH_PORT_DNS_53_UDP": "49155", "BERTH_HOST_DNS_53_UDP": "127.0.0.1",
				"BERTH_PORT_DNS_53": "49156", "BERTH_HOST_DNS_53": "127.0.0.1",
				"BERTH_PORT_DNS_9_SCTP": "49157", "BERTH_HOST_DNS_9_SCTP": "10.0.0.1",
			},
		},
		{
			name: "replicas",
			cs: []engine.Container{
				ctr("web", 2, bound("0.0.0.0", 49162, 80, "tcp")),
				ctr("web", 1, bound("0.0.0.0", 49161, 80, "tcp"), bound("0.0.0.0", 49170, 90, "tcp")),
				ctr("web", 3, bound("0.0.0.0", 49163, 80, "tcp")),
			},
			want: map[string]string{
				"BERTH_PORT_WEB_80": "49161", "BERTH_HOST_WEB_80": "127.0.0.1",
				"BERTH_PORT_WEB_80_1": "49161", "BERTH_HOST_WEB_80_1": "127.0.0.1",
				"BERTH_PORT_WEB_80_2": "49162", "BERTH_HOST_WEB_80_2": "127.0.0.1",
				"BERTH_PORT_WEB_80_3": "49163", "BERTH_HOST_WEB_80_3": "127.0.0.1",
				// Only replica 1 publishes 90: no numbered names.
				"BERTH_PORT_WEB_90": "49170", "BERTH_HOST_WEB_90": "127.0.0.1",
			},
		},
		{
			name: "ipv6 and ipv4",
			cs: []engine.Container{
				ctr("web", 1, bound("::", 49180, 80, "tcp"), bound("0.0.0.0", 49181, 80, "tcp")),
				ctr("api", 1, bound("::", 49182, 80, "tcp")),
				ctr("lo", 1, bound("::1", 49183, 80, "tcp")),
			},
			want: map[string]string{
				"BERTH_PORT_WEB_80": "49181", "BERTH_HOST_WEB_80": "127.0.0.1",
				"BERTH_PORT_API_80": "49182", "BERTH_HOST_API_80": "::1",
				"BERTH_PORT_LO_80": "49183", "BERTH_HOST_LO_80": "::1",
			},
		},
		{
			name: "collisions",
			cs: []engine.Container{
				ctr("web_80", 1, bound("0.0.0.0", 49191, 1, "tcp")),
				ctr("web", 1, bound("0.0.0.0", 49192, 80, "tcp")),
				ctr("web", 2, bound("0.0.0.0", 49193, 80, "tcp")),
				ctr("WEB", 1, bound("0.0.0.0", 49194, 80, "tcp")),
			},
			want: map[string]string{
				// "WEB" sorts before "web"; plain names before replica ones.
				"BERTH_PORT_WEB_80": "49194", "BERTH_HOST_WEB_80": "127.0.0.1",
				"BERTH_PORT_WEB_80_1": "49191", "BERTH_HOST_WEB_80_1": "127.0.0.1",
				"BERTH_PORT_WEB_80_2": "49193", "BERTH_HOST_WEB_80_2": "127.0.0.1",
			},
		},
		{name: "none", want: map[string]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, PortEnv(tt.cs)); diff != "" {
				t.Errorf("PortEnv mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
