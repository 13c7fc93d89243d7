package integration

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/internal/itest"
)

// Inspect formats for what must not change about a resource berth does not
// own: its identity, its state, and its (absent) compose labels.
const (
	containerState = `{{.Id}} {{.State.Status}} {{.State.StartedAt}} project={{index .Config.Labels "` + engine.LabelProject + `"}}`
	networkState   = `{{.Id}} project={{index .Labels "` + engine.LabelProject + `"}}`
	// Not CreatedAt: the local driver reports the data directory's mtime,
	// which changes whenever a file is written into the volume.
	volumeState = `{{.Name}} project={{index .Labels "` + engine.LabelProject + `"}}`
)

// removeAfterDown removes a resource the test made outside the project once
// the project is down, whatever berth did to it.
func (s *stack) removeAfterDown(args ...string) {
	s.afterDown = append(s.afterDown, func() {
		if _, err := docker(args...); err != nil {
			s.t.Errorf("cleanup: %v", err)
		}
	})
}

// TestForeignContainerIsNotTouched: a container that holds a service's
// name but not the project's labels stops up with a message that names it,
// and neither up nor down touches it.
func TestForeignContainerIsNotTouched(t *testing.T) {
	t.Parallel()
	s := newStack(t, `
services:
  web:
    image: @IMAGE@
  other:
    image: @IMAGE@
`)
	foreign := s.name("web", 1)
	mustDocker(t, "run", "-d", "--name", foreign, s.image)
	s.removeAfterDown("rm", "-f", foreign)
	before := s.inspect(foreign, containerState)

	r := s.berth("up", "-d")
	out := s.redact(r.output())
	if r.code == 0 || !strings.Contains(r.output(), foreign) || !strings.Contains(out, "not part of project") {
		t.Errorf("up -d with a foreign %s got exit %d, want a failure naming it and saying it is not part of the project\n%v", foreign, r.code, r)
	}
	if got := s.inspect(foreign, containerState); got != before {
		t.Errorf("after up -d, foreign %s got %q, want untouched %q", foreign, got, before)
	}

	for _, args := range [][]string{{"down", "--remove-orphans"}, {"rm", "-f", "-s"}} {
		s.mustBerth(args...)
		if got := s.inspect(foreign, containerState); got != before {
			t.Errorf("after %s, foreign %s got %q, want untouched %q", strings.Join(args, " "), foreign, got, before)
		}
	}
}

// TestForeignNetworkIsNotTouched: a network named like the project's
// default network but without its labels is not adopted: up fails saying
// so, unless the file declares it external, and down never removes it.
func TestForeignNetworkIsNotTouched(t *testing.T) {
	t.Parallel()
	s := newStack(t, `
services:
  web:
    image: @IMAGE@
`)
	network := s.project + "_default"
	mustDocker(t, "network", "create", network)
	s.removeAfterDown("network", "rm", network)
	before := s.inspect(network, networkState)
	unchanged := func(after string) {
		t.Helper()
		if got := s.inspect(network, networkState); got != before {
			t.Errorf("after %s, foreign network %s got %q, want untouched %q", after, network, got, before)
		}
	}

	r := s.berth("up", "-d")
	out := s.redact(r.output())
	if r.code == 0 || !strings.Contains(r.output(), network) || !strings.Contains(out, "does not belong to project") || !strings.Contains(out, "external") {
		t.Errorf("up -d with a foreign network %s got exit %d, want a failure naming it, saying it is not the project's and suggesting external\n%v", network, r.code, r)
	}
	unchanged("up -d")
	s.mustBerth("down", "-v", "--remove-orphans")
	unchanged("down -v --remove-orphans")

	// Declared external, it is used as it is.
	s.write("compose.yaml", `
services:
  web:
    image: @IMAGE@
networks:
  default:
    name: @PROJECT@_default
    external: true
`)
	s.mustBerth("up", "-d")
	web := s.name("web", 1)
	s.wantRunning(web)
	if nets := s.inspect(web, "{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}"); strings.TrimSpace(nets) != network {
		t.Errorf("%s networks got %q, want only the external %s", web, nets, network)
	}
	unchanged("up -d with the network external")
	s.mustBerth("down", "-v", "--remove-orphans")
	unchanged("down -v with the network external")
}

// TestForeignVolumeIsNotTakenOver: a volume named like a project volume but
// created by someone else is not used silently, and survives down -v
// whether up used it or refused.
func TestForeignVolumeIsNotTakenOver(t *testing.T) {
	t.Parallel()
	s := newStack(t, `
services:
  store:
    image: @IMAGE@
    volumes:
      - data:/data
volumes:
  data: {}
`)
	vol := s.project + "_data"
	mustDocker(t, "volume", "create", vol)
	s.removeAfterDown("volume", "rm", "-f", vol)
	before := s.inspect(vol, volumeState)

	// docker compose uses such a volume but warns that it is not its own
	// and points at `external: true`; berth may refuse instead. Silence
	// is wrong either way: the data in it is someone else's.
	r := s.berth("up", "-d")
	if !strings.Contains(r.output(), vol) || !strings.Contains(s.redact(r.output()), "external") {
		t.Errorf("up -d with a foreign volume %s got exit %d and no warning or error naming it and suggesting `external: true`\n%v", vol, r.code, r)
	}
	s.mustBerth("down", "-v", "--remove-orphans")
	if got, err := docker("inspect", "-f", volumeState, vol); err != nil || got != before {
		t.Errorf("after up -d and down -v, foreign volume %s got %q (%v), want untouched %q", vol, got, err, before)
	}
}

// TestNamedVolumeLifecycle: a project's named volume and its content
// survive every command but down -v.
func TestNamedVolumeLifecycle(t *testing.T) {
	t.Parallel()
	s := newStack(t, `
services:
  store:
    image: @IMAGE@
    volumes:
      - data:/data
volumes:
  data: {}
`)
	vol, store := s.project+"_data", s.name("store", 1)
	s.mustBerth("up", "-d")
	s.wantRunning(store)
	created := s.inspect(vol, volumeState)

	// A marker only this test run writes: the same content after a command
	// means the same volume, not a fresh one that happens to look alike.
	marker := s.project + "-marker"
	mustDocker(t, "exec", "-d", store, "/berth-test", "write", "/data/marker", marker)
	wantMarker := func(after string) {
		t.Helper()
		itest.Eventually(t, 30*time.Second, "/data/marker in "+store+" after "+after, func() error {
			out, err := s.exec(store, "cat", "/data/marker")
			if err != nil {
				return err
			}
			if out != marker {
				return fmt.Errorf("cat /data/marker got %q, want %q", out, marker)
			}
			return nil
		})
		if got := s.inspect(vol, volumeState); got != created {
			t.Errorf("after %s, volume %s got %q, want the original %q", after, vol, got, created)
		}
	}
	wantMarker("up -d")

	for _, args := range [][]string{{"stop"}, {"rm", "-f", "-s"}, {"down"}} {
		s.mustBerth(args...)
		if _, err := docker("volume", "inspect", vol); err != nil {
			t.Fatalf("after %s, volume %s is gone: %v", strings.Join(args, " "), vol, err)
		}
		s.mustBerth("up", "-d")
		s.wantRunning(store)
		wantMarker(strings.Join(args, " ") + " and up -d")
	}

	prev := s.wantRunning(store)[store]
	s.mustBerth("up", "-d", "--force-recreate")
	if id := s.wantRunning(store)[store]; id == prev {
		t.Errorf("up -d --force-recreate kept %s (%.12s), want a new container", store, id)
	}
	wantMarker("up -d --force-recreate")

	s.mustBerth("down", "-v")
	if out, err := docker("volume", "inspect", vol); err == nil {
		t.Errorf("after down -v, volume %s still exists: %s", vol, out)
	}
}
