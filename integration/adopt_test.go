package integration

import (
	"strings"
	"testing"

	"github.com/berth-dev/berth/engine"
)

// A stack that docker compose created, simulated with the docker CLI and
// compose's labels, is berth's own: up recreates nothing.
func TestAdoptComposeStack(t *testing.T) {
	t.Parallel()
	s := newStack(t, `
services:
  web:
    image: @IMAGE@
    command: ["serve", "8080"]
`)
	hash := serviceHash(t, s, "web")
	imageID := mustDocker(t, "image", "inspect", "-f", "{{.Id}}", s.image)

	network := s.project + "_default"
	netID := mustDocker(t, "network", "create",
		"--label", engine.LabelProject+"="+s.project,
		"--label", engine.LabelNetwork+"=default",
		"--label", engine.LabelVersion+"=5.5.0",
		network)
	web := s.name("web", 1)
	labels := map[string]string{
		engine.LabelProject:     s.project,
		engine.LabelService:     "web",
		engine.LabelNumber:      "1",
		engine.LabelOneoff:      "False",
		engine.LabelConfigHash:  hash,
		engine.LabelImage:       imageID,
		engine.LabelWorkingDir:  s.dir,
		engine.LabelConfigFiles: s.dir + "/compose.yaml",
		engine.LabelDependsOn:   "",
		engine.LabelVersion:     "5.5.0",
	}
	args := []string{"run", "-d", "--name", web, "--network", network, "--network-alias", "web"}
	for k, v := range labels {
		args = append(args, "--label", k+"="+v)
	}
	id := mustDocker(t, append(args, s.image, "serve", "8080")...)

	if r := s.berth("plan", "--detailed-exitcode"); r.code != 0 {
		t.Errorf("plan --detailed-exitcode on the compose-made stack got exit %d, want 0\n%v", r.code, r)
	}
	s.mustBerth("up", "-d")
	if got := s.wantRunning(web); got[web] != id {
		t.Errorf("after up, %s ID got %.12s, want the compose-made %.12s", web, got[web], id)
	}
	if got := mustDocker(t, "network", "inspect", "-f", "{{.Id}}", network); got != netID {
		t.Errorf("after up, network %s ID got %.12s, want the compose-made %.12s", network, got, netID)
	}
}

// serviceHash asks `berth config --hash` for a service's config hash. Like
// docker compose it prints "SERVICE HASH" lines.
func serviceHash(t *testing.T, s *stack, service string) string {
	t.Helper()
	r := s.mustBerth("config", "--hash", "*")
	for _, line := range nonEmptyLines(r.stdout) {
		if f := strings.Fields(line); len(f) == 2 && f[0] == service {
			if len(f[1]) != 64 {
				t.Fatalf("config --hash: %s hash %q, want 64 hex digits", service, f[1])
			}
			return f[1]
		}
	}
	t.Fatalf("config --hash '*': no line for %s\n%v", service, r)
	return ""
}
