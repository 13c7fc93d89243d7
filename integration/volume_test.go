package integration

import (
	"fmt"
	"strings"
	"testing"
)

func TestNamedVolumeSurvivesDown(t *testing.T) {
	t.Parallel()
	// The first run writes the file (write then sleeps); the second only reads.
	s := newStack(t, `
services:
  store:
    image: @IMAGE@
    command: ["write", "/data/greeting", "hello"]
    volumes:
      - data:/data
volumes:
  data: {}
`)
	vol := s.project + "_data"
	s.mustBerth("up", "-d")
	store := s.name("store", 1)
	s.wantRunning(store)
	labels := s.inspect(vol, `{{index .Labels "com.docker.compose.project"}} {{index .Labels "com.docker.compose.volume"}}`)
	if want := s.project + " data"; labels != want {
		t.Errorf("volume %s labels project, volume got %q, want %q", vol, labels, want)
	}

	if got := s.mustBerth("volumes", "-q").stdout; got != vol+"\n" {
		t.Errorf("volumes -q got %q, want %q", got, vol+"\n")
	}

	s.mustBerth("down")
	if got := s.containers(); len(got) != 0 {
		t.Errorf("after down, containers got %v, want none", got)
	}
	if _, err := docker("volume", "inspect", vol); err != nil {
		t.Fatalf("after down (without -v) volume %s is gone, want it kept: %v", vol, err)
	}

	s.write("compose.yaml", `
services:
  store:
    image: @IMAGE@
    volumes:
      - data:/data
volumes:
  data: {}
`)
	s.mustBerth("up", "-d")
	s.wantRunning(store)
	if out, err := s.exec(store, "cat", "/data/greeting"); err != nil || out != "hello" {
		t.Errorf("after down and up, cat /data/greeting got %q, %v, want \"hello\"", out, err)
	}

	s.mustBerth("down", "-v")
	if out, err := docker("volume", "inspect", vol); err == nil {
		t.Errorf("after down -v, volume %s still exists: %s", vol, out)
	}
}

// External networks and volumes, and anything else without our labels, are
// used but never removed.
func TestDownKeepsExternalResources(t *testing.T) {
	t.Parallel()
	s := newStack(t, `
services:
  app:
    image: @IMAGE@
    networks: [shared, default]
    volumes:
      - cache:/cache
networks:
  shared:
    external: true
    name: @PROJECT@-ext-net
volumes:
  cache:
    external: true
    name: @PROJECT@-ext-vol
`)
	net, vol := s.project+"-ext-net", s.project+"-ext-vol"
	mustDocker(t, "network", "create", net)
	mustDocker(t, "volume", "create", vol)
	s.afterDown = append(s.afterDown, func() {
		for _, rm := range [][]string{{"network", "rm", net}, {"volume", "rm", "-f", vol}} {
			if _, err := docker(rm...); err != nil {
				t.Errorf("cleanup: %v", err)
			}
		}
	})

	s.mustBerth("up", "-d")
	app := s.name("app", 1)
	s.wantRunning(app)
	nets := s.inspect(app, "{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}")
	if !strings.Contains(" "+nets, " "+net+" ") {
		t.Errorf("%s networks got %q, want %s among them", app, nets, net)
	}
	mounts := s.inspect(app, "{{range .Mounts}}{{.Name}}:{{.Destination}} {{end}}")
	if !strings.Contains(mounts, vol+":/cache") {
		t.Errorf("%s mounts got %q, want %s:/cache", app, mounts, vol)
	}

	s.mustBerth("down", "-v", "--remove-orphans")
	for _, check := range [][]string{{"network", "inspect", net}, {"volume", "inspect", vol}} {
		if _, err := docker(check...); err != nil {
			t.Errorf("after down -v: external %s %s was removed: %v", check[0], check[2], err)
		}
	}
	if out, err := docker("network", "inspect", s.project+"_default"); err == nil {
		t.Errorf("after down -v: %s_default still exists: %s", s.project, out)
	}
	if got := s.containers(); len(got) != 0 {
		t.Errorf("after down -v: containers got %v, want none", fmt.Sprint(got))
	}
}
