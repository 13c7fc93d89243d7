package integration

import (
	"slices"
	"strings"
	"testing"
)

// A network whose configuration changed is recreated, as compose v5 does:
// the containers on it keep their identity, are connected to the new
// network under their aliases, and run again.
func TestNetworkRecreatedOnChange(t *testing.T) {
	t.Parallel()
	compose := `
services:
  api:
    image: @IMAGE@
    networks:
      backend:
        aliases: [catalog]
  client:
    image: @IMAGE@
    networks: [backend]
networks:
  backend:
    labels: {tier: one}
`
	s := newStack(t, compose)
	s.mustBerth("up", "-d")
	net := s.project + "_backend"
	api, client := s.name("api", 1), s.name("client", 1)
	oldNet := mustDocker(t, "network", "inspect", "-f", "{{.Id}}", net)
	hash := mustDocker(t, "network", "inspect", "-f", `{{index .Labels "com.docker.compose.config-hash"}}`, net)
	if len(hash) != 64 {
		t.Fatalf("network %s config-hash label got %q, want a SHA-256", net, hash)
	}
	before := s.containers()

	s.write("compose.yaml", strings.Replace(compose, "tier: one", "tier: two", 1))
	r := s.mustBerth("up", "-d")
	if out := r.output(); !strings.Contains(out, "Network "+net) {
		t.Errorf("up after a network change: output does not mention %s\n%s", net, s.redact(out))
	}
	newNet := mustDocker(t, "network", "inspect", "-f", "{{.Id}}", net)
	if newNet == oldNet {
		t.Fatalf("network %s kept its ID %s after its labels changed, want it recreated", net, oldNet)
	}
	if tier := mustDocker(t, "network", "inspect", "-f", `{{index .Labels "tier"}}`, net); tier != "two" {
		t.Errorf("recreated network %s label tier got %q, want two", net, tier)
	}
	after := s.containers()
	for _, name := range []string{api, client} {
		if after[name].ID != before[name].ID {
			t.Errorf("%s was recreated (%s → %s), want it kept and reconnected", name, before[name].ID, after[name].ID)
		}
		if got := s.inspect(name, `{{(index .NetworkSettings.Networks "`+net+`").NetworkID}}`); got != newNet {
			t.Errorf("%s is on network %q, want the new %s", name, got, newNet)
		}
	}
	s.wantRunning(api, client)
	ip := s.inspect(api, `{{(index .NetworkSettings.Networks "`+net+`").IPAddress}}`)
	if out, err := s.exec(client, "resolve", "catalog"); err != nil || !slices.Contains(nonEmptyLines(out), ip) {
		t.Errorf("in %s after the recreate: resolve catalog got %q, %v, want %s", client, out, err, ip)
	}
	// Converged: nothing left to do.
	if out := s.mustBerth("plan").stdout; !strings.Contains(out, "nothing to do") {
		t.Errorf("plan after the network recreate got\n%s\nwant nothing to do", s.redact(out))
	}
}
