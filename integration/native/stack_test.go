package native

import (
	"fmt"
	"maps"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/itest"
)

// stackCompose is scenario 1 of issue 19: a one-shot (seed) writing into a
// named volume; a database (db, busybox httpd serving the volume) gated
// on its CMD-SHELL healthcheck, with the alias "database" on the network
// back; web (berth's test server) on both networks, published on
// 127.0.0.1:port and restarted always; probe on back, which exits unless
// the database answered when it started; edge on front only.
func stackCompose(port int, message string) string {
	return fmt.Sprintf(`
x-sleep: &sleep ["sh", "-c", "trap 'exit 0' TERM; sleep 1000000 & wait"]
services:
  seed:
    image: berth-busybox:latest
    command: ["sh", "-c", "echo seeded-@PROJECT@ > /data/seed && echo seed-done"]
    volumes: [data:/data]
    networks: [back]
  db:
    image: berth-busybox:latest
    command: ["sh", "-c", "echo db-starting; sleep 1; exec httpd -f -p 5432 -h /data"]
    volumes: ["data:/data:ro"]
    networks:
      back:
        aliases: [database]
    depends_on:
      seed: {condition: service_completed_successfully}
    healthcheck:
      test: ["CMD-SHELL", "wget -q -O /dev/null http://127.0.0.1:5432/seed"]
      interval: 1s
      timeout: 3s
      retries: 30
    stop_grace_period: 1s
  web:
    image: berth-test:latest
    command: ["serve", "80"]
    environment:
      MESSAGE: %s
    ports: ["127.0.0.1:%d:80"]
    networks: [front, back]
    restart: always
    depends_on:
      db: {condition: service_healthy}
  probe:
    image: berth-busybox:latest
    command: ["sh", "-c", "wget -q -O- http://database:5432/seed || exit 3; trap 'exit 0' TERM; sleep 1000000 & wait"]
    networks: [back]
    depends_on:
      db: {condition: service_healthy}
  edge:
    image: berth-busybox:latest
    command: *sleep
    networks: [front]
networks:
  front: {}
  back: {}
volumes:
  data: {}
`, message, port)
}

// oneShotRerun is what plan shows for the stack once it is up: seed, the
// one-shot, has exited and up starts it again.
var oneShotRerun = map[string][]string{"seed": {"start"}}

// TestStack is issue 19's stack on the native engine, from the first up
// to down -v.
func TestStack(t *testing.T) {
	t.Parallel()
	port := freePort(t)
	s := newStack(t, stackCompose(port, "v1"))
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	states := map[string]string{"seed": "exited 0", "db": "running", "web": "running", "probe": "running", "edge": "running"}

	start := time.Now()
	s.mustBerth("up", "-d")
	t.Logf("up -d of 5 services: %s", time.Since(start).Round(time.Millisecond))
	s.wantStates(states)
	s.wantKernel()
	if st, err := readMonitorState(s.id("db")); err != nil || st.Health != "healthy" {
		t.Errorf("db's monitor records health %q (%v), want healthy", st.Health, err)
	}

	t.Run("published port", func(t *testing.T) {
		s := s.with(t)
		wantBody(t, url+"/", "hello from", "v1")
		// web reaches the database by its alias on back.
		wantBody(t, url+"/get?url=http://database:5432/seed", "seeded-"+s.project)
	})

	t.Run("dns", func(t *testing.T) { s.with(t).checkDNS(t) })

	t.Run("logs", func(t *testing.T) {
		s := s.with(t)
		out := s.mustBerth("logs").stdout
		for _, want := range []string{"seed-done", "db-starting", "seeded-" + s.project} {
			if !strings.Contains(out, want) {
				t.Errorf("berth logs lacks %q:\n%s", want, out)
			}
		}
		if out := s.mustBerth("logs", "probe").stdout; !strings.Contains(out, "seeded-"+s.project) {
			t.Errorf("berth logs probe lacks what probe fetched from the database:\n%s", out)
		}
	})

	t.Run("second up", func(t *testing.T) {
		s := s.with(t)
		before := s.ids()
		pids := map[string]int{}
		for name, id := range before {
			st, _ := readMonitorState(id)
			pids[name] = st.Pid
		}
		// Every up starts an exited one-shot again, as compose does (on
		// the docker engine too); nothing else may be planned.
		if got := s.plan(); !maps.EqualFunc(got, oneShotRerun, slices.Equal) {
			t.Errorf("plan after up: want %v, got %v", oneShotRerun, got)
		}
		s.mustBerth("up", "-d")
		if after := s.ids(); !maps.Equal(before, after) {
			t.Errorf("a second up changed the containers:\n  before %v\n  after  %v", before, after)
		}
		for name, id := range before {
			if st, _ := readMonitorState(id); st.Pid != pids[name] && name != s.name("seed") {
				t.Errorf("a second up restarted %s: pid %d, then %d", name, pids[name], st.Pid)
			}
		}
		// up -d returns once the one-shot runs again, not once it is done;
		// the next plan counts on it having exited.
		s.wantStates(states)
	})

	t.Run("one-service change", func(t *testing.T) {
		s := s.with(t)
		before := s.ids()
		s.write("compose.yaml", stackCompose(port, "v2"))
		want := maps.Clone(oneShotRerun)
		want["web"] = []string{"recreate"}
		if got := s.plan(); !maps.EqualFunc(got, want, slices.Equal) {
			t.Errorf("plan after changing web: want %v, got %v", want, got)
		}
		s.mustBerth("up", "-d")
		after := s.ids()
		for name, id := range before {
			switch {
			case name == s.name("web") && after[name] == id:
				t.Errorf("web's environment changed but its container %s was kept", id[:12])
			case name != s.name("web") && after[name] != id:
				t.Errorf("only web changed, but %s was replaced: %s -> %s", name, id[:12], after[name])
			}
		}
		s.wantStates(states)
		wantBody(t, url+"/", "v2")
	})

	t.Run("restart always", func(t *testing.T) {
		s := s.with(t)
		id := s.id("web")
		st, err := readMonitorState(id)
		if err != nil || st.Pid <= 0 {
			t.Fatalf("web's state: %+v, %v", st, err)
		}
		cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", st.Pid))
		if !strings.Contains(string(cmdline), "serve") {
			t.Fatalf("pid %d of web runs %q, not the test server", st.Pid, cmdline)
		}
		if err := syscall.Kill(st.Pid, syscall.SIGKILL); err != nil {
			t.Fatalf("kill web's pid %d: %v", st.Pid, err)
		}
		itest.Eventually(t, time.Minute, "web restarted after its process was killed", func() error {
			now, err := readMonitorState(id)
			switch {
			case err != nil:
				return err
			case now.Pid == st.Pid || now.RestartCount <= st.RestartCount:
				return fmt.Errorf("pid %d, restart count %d", now.Pid, now.RestartCount)
			}
			return running(id)
		})
		if got := s.id("web"); got != id {
			t.Errorf("a restart replaced the container %s with %s", id[:12], got[:12])
		}
		ps := s.mustBerth("ps", "web").stdout
		if !strings.Contains(ps, s.name("web")) || !strings.Contains(strings.ToLower(ps), "running") && !strings.Contains(ps, "Up") {
			t.Errorf("berth ps web after the restart:\n%s", ps)
		}
		wantBody(t, url+"/", "v2")
	})

	t.Run("down keeps the volume", func(t *testing.T) {
		s := s.with(t)
		volume := s.project + "_data"
		s.mustBerth("down")
		var left []string
		for _, l := range s.trace.leftovers() {
			if !strings.HasPrefix(l, "volume "+volume+":") {
				left = append(left, l)
			}
		}
		if len(left) > 0 {
			t.Errorf("down left:\n  %s", strings.Join(left, "\n  "))
		}
		b, err := os.ReadFile(filepath.Join(volumeDir(volume), "_data", "seed"))
		if err != nil || strings.TrimSpace(string(b)) != "seeded-"+s.project {
			t.Errorf("the volume %s after down: seed file %q, %v", volume, b, err)
		}
		if _, err := httpGet(url + "/"); err == nil {
			t.Errorf("port %d still answers after down", port)
		}
		s.mustBerth("down", "-v")
		if left := s.trace.leftovers(); len(left) > 0 {
			t.Errorf("down -v left:\n  %s", strings.Join(left, "\n  "))
		}
	})
}

// checkDNS asks the embedded resolvers from containers on each network:
// a name resolves only on the networks that carry it, and to the address
// the container has there.
func (s *stack) checkDNS(t *testing.T) {
	db, edge, web := addrs(t, s.id("db")), addrs(t, s.id("edge")), addrs(t, s.id("web"))
	if len(db) != 1 || len(edge) != 1 || len(web) != 2 {
		t.Fatalf("db and edge are on one network each, web on two; their addresses: db %v, edge %v, web %v", db, edge, web)
	}
	dbAddr, edgeAddr := db[0].Addr().String(), edge[0].Addr().String()
	// web's address on a network is the one in that network's subnet.
	webOn := func(peer netip.Prefix) string {
		for _, w := range web {
			if w.Masked() == peer.Masked() {
				return w.Addr().String()
			}
		}
		t.Fatalf("web (%v) has no address in the subnet of %v", web, peer)
		return ""
	}
	webFront, webBack := webOn(edge[0]), webOn(db[0])

	// web (front and back) resolves with the Go resolver of the test image.
	for name, want := range map[string]string{"db": dbAddr, "database": dbAddr, "edge": edgeAddr} {
		r := s.berth("exec", "-T", "web", "/berth-test", "resolve", name)
		if r.code != 0 || strings.TrimSpace(r.stdout) != want {
			t.Errorf("web resolves %s: want %s: %v", name, want, r)
		}
	}
	// busybox nslookup: exit 0 with an answer, 1 when the name is unknown.
	cases := []struct {
		from, name string
		want       string // "" = must not resolve
	}{
		{"edge", "web", webFront},
		{"edge", "db", ""},
		{"edge", "database", ""},
		{"edge", "probe", ""},
		{"probe", "db", dbAddr},
		{"probe", "database", dbAddr},
		{"probe", "web", webBack},
		{"probe", "edge", ""},
		{"db", "edge", ""},
	}
	for _, c := range cases {
		r := s.berth("exec", "-T", c.from, "nslookup", c.name)
		switch {
		case c.want == "" && r.code == 0:
			t.Errorf("%s is not on a network of %s, yet it resolves there: %v", c.name, c.from, r)
		case c.want != "" && (r.code != 0 || !strings.Contains(r.stdout, "Address: "+c.want)):
			t.Errorf("%s from %s: want address %s: %v", c.name, c.from, c.want, r)
		}
	}
}
