package integration

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/testimage"
)

// Secrets and configs from a file, the environment and inline content are
// mounted where the spec says, with the uid, gid and mode asked for where
// berth writes the file (environment and content sources); a file source
// keeps the file's own.
func TestSecretsAndConfigsMounted(t *testing.T) {
	t.Parallel()
	s := newStack(t, `
services:
  reader:
    image: `+testimage.EnsureShell(t)+`
    command: ["sleep", "3600"]
    init: true
    secrets:
      - db_password
      - source: api_key
        target: api.key
        uid: "1000"
        gid: "2000"
        mode: 0400
    configs:
      - source: app_conf
        uid: "33"
        gid: "34"
        mode: 0440
      - source: file_conf
        target: /etc/app/file.conf
secrets:
  db_password:
    file: ./db_password.txt
  api_key:
    environment: API_KEY
configs:
  app_conf:
    content: "hello config"
  file_conf:
    file: ./file.conf
`)
	s.write("db_password.txt", "pa55word")
	s.write("file.conf", "from a file")
	s.write(".env", "API_KEY=k3y-from-env\n")
	s.mustBerth("up", "-d")
	c := s.name("reader", 1)
	tests := []struct {
		path, content, owner string // owner: "uid gid mode", "" when the file's own
	}{
		{"/run/secrets/db_password", "pa55word", ""},
		{"/run/secrets/api.key", "k3y-from-env", "1000 2000 400"},
		{"/app_conf", "hello config", "33 34 440"},
		{"/etc/app/file.conf", "from a file", ""},
	}
	for _, tt := range tests {
		if got, err := docker("exec", c, "cat", tt.path); err != nil || got != tt.content {
			t.Errorf("in %s: cat %s got %q, %v, want %q", c, tt.path, got, err, tt.content)
		}
		if tt.owner == "" {
			continue
		}
		if got, err := docker("exec", c, "stat", "-c", "%u %g %a", tt.path); err != nil || got != tt.owner {
			t.Errorf("in %s: stat %s got %q, %v, want %q", c, tt.path, got, err, tt.owner)
		}
	}
	// Read-only, as compose mounts them.
	if _, err := docker("exec", c, "sh", "-c", "echo x > /run/secrets/db_password"); err == nil {
		t.Errorf("in %s: writing /run/secrets/db_password succeeded, want a read-only mount", c)
	}
}

// restart and stop_grace_period reach the container.
func TestRestartPolicyAndStopGrace(t *testing.T) {
	t.Parallel()
	s := newStack(t, `
services:
  always:
    image: @IMAGE@
    restart: always
    stop_grace_period: 7s
  retries:
    image: @IMAGE@
    restart: on-failure:3
  deployed:
    image: @IMAGE@
    deploy:
      restart_policy: {condition: unless-stopped}
`)
	s.mustBerth("up", "-d")
	for _, tt := range []struct{ service, want string }{
		{"always", "always 0 7"},
		{"retries", "on-failure 3 <nil>"},
		{"deployed", "unless-stopped 0 <nil>"},
	} {
		got := s.inspect(s.name(tt.service, 1), "{{.HostConfig.RestartPolicy.Name}} {{.HostConfig.RestartPolicy.MaximumRetryCount}} {{.Config.StopTimeout}}")
		if got != tt.want {
			t.Errorf("%s: restart policy and stop timeout got %q, want %q", tt.service, got, tt.want)
		}
	}
}

// No label, and nothing ps --format json prints, holds an environment
// value.
func TestNoEnvironmentValueInLabels(t *testing.T) {
	t.Parallel()
	s := newStack(t, `
services:
  app:
    image: @IMAGE@
    environment: {SECRET: hunter2}
`)
	s.mustBerth("up", "-d")
	if out := s.mustBerth("ps", "--format", "json").stdout; strings.Contains(out, "hunter2") || !strings.Contains(out, s.name("app", 1)) {
		t.Errorf("ps --format json shows the value of SECRET (or not the container):\n%s", out)
	}
	var labels map[string]string
	if err := json.Unmarshal([]byte(s.inspect(s.name("app", 1), "{{json .Config.Labels}}")), &labels); err != nil {
		t.Fatal(err)
	}
	for k, v := range labels {
		if strings.Contains(v, "hunter2") {
			t.Errorf("label %s holds the value of SECRET: %s", k, v)
		}
	}
	// The environment itself carries it, of course.
	if env := s.inspect(s.name("app", 1), "{{json .Config.Env}}"); !strings.Contains(env, "SECRET=hunter2") {
		t.Errorf("container environment %s lacks SECRET", env)
	}
}
