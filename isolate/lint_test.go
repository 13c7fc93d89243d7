package isolate

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLint(t *testing.T) {
	tests := []struct {
		name      string
		yaml      string
		rewritten bool
		want      []string // "code key"
		// mention is a piece of advice the first finding must give.
		mention string
	}{
		{name: "clean", yaml: `
services:
  web: {image: app, ports: ["80"], volumes: [data:/data], networks: [back]}
networks:
  back: {}
volumes:
  data: {}
`},
		{name: "container_name", yaml: `
services:
  web: {image: app, container_name: shop-web}
`, want: []string{"container-name services.web.container_name"}, mention: "remove container_name"},
		{name: "fixed ports", yaml: `
services:
  web: {image: app, ports: ["80", "8080:80", "127.0.0.1:5353:53/udp"]}
`, want: []string{"fixed-host-port services.web.ports[1]", "fixed-host-port services.web.ports[2]"}, mention: "--keep-ports"},
		{name: "fixed ports rewritten", rewritten: true, yaml: `
services:
  web: {image: app, ports: ["8080:80"]}
`},
		{name: "host network", yaml: `
services:
  web: {image: app, network_mode: host}
`, want: []string{"host-network services.web.network_mode"}, mention: "network_mode: host"},
		{name: "external network", yaml: `
services:
  web: {image: app, networks: [shared]}
networks:
  shared: {external: true}
`, want: []string{"external-network networks.shared.external"}, mention: "drop external"},
		{name: "named network and fixed subnet", yaml: `
services:
  web: {image: app}
networks:
  default:
    name: ci-net
    ipam: {config: [{subnet: 10.99.0.0/24}]}
`, want: []string{"named-network networks.default.name", "fixed-subnet networks.default.ipam.config[0].subnet"}, mention: "remove name"},
		{name: "external volume", yaml: `
services:
  web: {image: app, volumes: [cache:/cache]}
volumes:
  cache: {external: true}
`, want: []string{"external-volume volumes.cache.external"}, mention: "drop external"},
		{name: "named volume", yaml: `
services:
  web: {image: app, volumes: [data:/data]}
volumes:
  data: {name: pgdata}
`, want: []string{"named-volume volumes.data.name"}, mention: "remove name"},
		{name: "name that follows the project", yaml: `
services:
  web: {image: app, volumes: [data:/data]}
volumes:
  data: {name: "${COMPOSE_PROJECT_NAME}_data"}
`},
		{name: "order", yaml: `
services:
  web: {image: app, container_name: w1, ports: ["8080:80"], volumes: [data:/data]}
  api: {image: app, container_name: a1}
volumes:
  data: {external: true}
`, want: []string{"container-name services.api.container_name", "container-name services.web.container_name",
			"fixed-host-port services.web.ports[0]", "external-volume volumes.data.external"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			findings := Lint(load(t, tt.yaml), tt.rewritten)
			var got []string
			for _, f := range findings {
				got = append(got, f.Code+" "+f.Key)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Lint findings (-want +got):\n%s", diff)
			}
			if tt.mention != "" && len(findings) > 0 && !strings.Contains(findings[0].Message, tt.mention) {
				t.Errorf("Lint message %q does not say %q", findings[0].Message, tt.mention)
			}
			err := Fail(findings)
			if (err != nil) != (len(findings) > 0) || (err != nil && !errors.Is(err, ErrNotIsolated)) {
				t.Errorf("Fail(%d findings) = %v", len(findings), err)
			}
		})
	}
}

func TestFailMessage(t *testing.T) {
	err := Fail([]Finding{
		{Code: CodeContainerName, Service: "web", Key: "services.web.container_name", Message: "remove it"},
		{Code: CodeExternalVolume, Key: "volumes.data.external", Message: "drop it"},
	})
	want := ErrNotIsolated.Error() + ":\n  services.web.container_name: remove it\n  volumes.data.external: drop it"
	if err == nil || err.Error() != want {
		t.Errorf("Fail = %v, want %q", err, want)
	}
}
