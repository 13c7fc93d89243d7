package loader

import (
	"errors"
	"testing"
)

// TestMessagesSayWhereAndWhat pins the rewording of compose-go's errors and
// the checks of validate.go: each message names the file, line and key and
// says what to write instead. The full corpus is cmd/berth's TestBadInput.
func TestMessagesSayWhereAndWhat(t *testing.T) {
	const head = "services:\n  web:\n    image: nginx\n"
	tests := []struct {
		name    string
		files   map[string]string
		wantErr error
		want    string
	}{
		{"tab indentation", map[string]string{"compose.yaml": "services:\n  web:\n\timage: nginx\n"}, ErrSyntax,
			"compose.yaml:3:1: tabs are not allowed for indentation: indent with spaces"},
		{"duplicate key", map[string]string{"compose.yaml": head + "    image: httpd\n"}, ErrSyntax,
			`compose.yaml:4: mapping key "image" already defined at line 3: remove or rename one of them`},
		{"merge of a scalar", map[string]string{"compose.yaml": head + "    <<: 5\n"}, ErrSyntax,
			"compose.yaml:4:5: merge key << needs a mapping"},
		{"integer expected", map[string]string{"compose.yaml": head + "    healthcheck:\n      retries: often\n"}, ErrInvalid,
			`compose.yaml:5:16: services.web.healthcheck.retries: "often" is not a whole number`},
		{"size expected", map[string]string{"compose.yaml": head + "    mem_limit: lots\n"}, ErrInvalid,
			`compose.yaml:4:16: services.web.mem_limit: "lots" is not a size (use e.g. 512m, 1g)`},
		{"duration expected", map[string]string{"compose.yaml": head + "    stop_grace_period: abc\n"}, ErrInvalid,
			`compose.yaml:4:24: services.web.stop_grace_period: "abc" is not a duration`},
		{"bad port, second entry", map[string]string{"compose.yaml": head + "    ports:\n      - \"80:80\"\n      - \"99999:80\"\n"}, ErrInvalid,
			`compose.yaml:6:9: services.web.ports[1]: "99999:80" is not a valid port mapping (invalid host port "99999")`},
		{"command as a mapping", map[string]string{"compose.yaml": head + "    command: {a: b}\n"}, ErrInvalid,
			"compose.yaml:4:5: services.web.command must be a string or a list of strings"},
		{"invalid service name", map[string]string{"compose.yaml": "services:\n  \"web app\":\n    image: nginx\n"}, ErrInvalid,
			`compose.yaml:2:3: services: invalid service name "web app"`},
		{"missing extends file", map[string]string{"compose.yaml": "services:\n  web:\n    extends:\n      file: common.yaml\n      service: base\n"}, ErrInvalid,
			`compose.yaml:4:13: service "web": extends file common.yaml does not exist`},
		{"missing include file", map[string]string{"compose.yaml": "include:\n  - path: db/compose.yaml\n" + head}, ErrInvalid,
			"compose.yaml:2:11: include db/compose.yaml: file does not exist"},
		{"bad YAML in an extends file", map[string]string{"compose.yaml": "services:\n  web:\n    extends:\n      file: base.yaml\n      service: base\n", "base.yaml": "services:\n  base:\n    image: nginx\n     ports: []\n"}, ErrSyntax,
			"base.yaml:4:11: mapping values are not allowed in this context"},
		{"container_name with scale", map[string]string{"compose.yaml": head + "    container_name: ww\n    scale: 3\n"}, ErrInvalid,
			`compose.yaml:4:5: service "web": container_name "ww" cannot be used with scale 3`},
		{"shared container_name", map[string]string{"compose.yaml": head + "    container_name: app\n  api:\n    image: nginx\n    container_name: app\n"}, ErrInvalid,
			`compose.yaml:4:5: services "api" and "web" both use container_name "app"`},
		{"extends cycle from the first name", map[string]string{"compose.yaml": "services:\n  c:\n    image: x\n    extends: b\n  b:\n    image: x\n    extends: c\n"}, ErrInvalid,
			`service "b": extends cycle: b -> c -> b`},
		{"expose not a port", map[string]string{"compose.yaml": head + "    expose: [http]\n"}, ErrInvalid,
			`compose.yaml:4:14: services.web.expose[0]: "http" is not a port`},
		{"relative volume target", map[string]string{"compose.yaml": head + "    volumes:\n      - type: bind\n        source: ./d\n        target: \"\"\n"}, ErrInvalid,
			`compose.yaml:7:17: services.web.volumes[0]: "" has no valid container path`},
		{"invalid container_name", map[string]string{"compose.yaml": head + "    container_name: web/1\n"}, ErrInvalid,
			`compose.yaml:4:21: services.web.container_name: "web/1" is not a valid container name`},
		{"restart policy", map[string]string{"compose.yaml": head + "    restart: sometimes\n"}, ErrInvalid,
			`compose.yaml:4:14: services.web.restart: "sometimes" is not a restart policy`},
		{"external network with driver", map[string]string{"compose.yaml": head + "    networks: [n]\nnetworks:\n  n:\n    external: true\n    driver: overlay\n"}, ErrInvalid,
			`compose.yaml:8:13: networks.n: an external network cannot set driver "overlay"`},
		{"subnet not a CIDR", map[string]string{"compose.yaml": head + "    networks: [n]\nnetworks:\n  n:\n    ipam:\n      config:\n        - subnet: 10.0.0.0/99\n"}, ErrInvalid,
			`compose.yaml:9:19: networks.n.ipam.config[0].subnet: "10.0.0.0/99" is not a valid subnet`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tryLoad(Options{WorkingDir: tree(t, tt.files)})
			if !contains(err, tt.want) {
				t.Errorf("Load() got error %v, want one containing %q", err, tt.want)
			}
			if err != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("Load() got error %v, want errors.Is %v", err, tt.wantErr)
			}
		})
	}
}

func TestValidValues(t *testing.T) {
	for _, r := range []string{"no", "always", "unless-stopped", "on-failure", "on-failure:3"} {
		if !validRestart(r) {
			t.Errorf("validRestart(%q) got false, want true", r)
		}
	}
	for _, r := range []string{"sometimes", "on-failure:x", "on-failure:-1", "always:2"} {
		if validRestart(r) {
			t.Errorf("validRestart(%q) got true, want false", r)
		}
	}
	for _, tgt := range []string{"/data", `C:\data`, `\\.\pipe\docker_engine`} {
		if !validTarget(tgt) {
			t.Errorf("validTarget(%q) got false, want true", tgt)
		}
	}
	for _, tgt := range []string{"", ".", "data", "::"} {
		if validTarget(tgt) {
			t.Errorf("validTarget(%q) got true, want false", tgt)
		}
	}
}
