package integration

import (
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"testing"

	"golang.org/x/sync/errgroup"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/internal/subnet"
)

// TestParallelStacksGetPoolSubnets brings up 40 two-network stacks at once,
// as parallel CI jobs do. dockerd's default address pools hold about 30
// networks, so without berth's pool most of them fail ("could not find an
// available, non-overlapping IPv4 address pool", docker/compose#2279); with
// it every network gets its own /24 of the default pool, and a second plan
// leaves the networks alone.
func TestParallelStacksGetPoolSubnets(t *testing.T) {
	t.Parallel()
	const (
		stacks   = 40
		parallel = 8
	)
	pool, _, err := subnet.Parse(subnet.DefaultPool, "")
	if err != nil {
		t.Fatal(err)
	}
	base := newStack(t, `
services:
  app:
    image: @IMAGE@
    networks: [default, back]
networks:
  back: {}
`)
	// The stacks share base's directory and image; downAll is their
	// cleanup, in parallel too: 40 sequential ones would take longer than
	// the test.
	projects := make([]*stack, stacks)
	for i := range projects {
		projects[i] = &stack{t: t, project: fmt.Sprintf("%s-%02d", base.project, i), dir: base.dir, image: base.image}
	}
	emptyDir := t.TempDir()
	t.Cleanup(func() { downAll(t, emptyDir, projects, parallel) })

	var mu sync.Mutex
	var failed []string
	var g errgroup.Group
	g.SetLimit(parallel)
	for _, s := range projects {
		g.Go(func() error {
			if r := s.berth("up", "-d"); r.code != 0 {
				mu.Lock()
				failed = append(failed, r.String())
				mu.Unlock()
			}
			return nil
		})
	}
	_ = g.Wait()
	if len(failed) > 0 {
		t.Fatalf("%d of %d parallel `up -d` failed; the first:\n%s", len(failed), stacks, failed[0])
	}

	var names []string
	for _, s := range projects {
		names = append(names, s.project+"_default", s.project+"_back")
	}
	out := mustDocker(t, append([]string{"network", "inspect", "-f",
		`{{.Name}} {{index .Labels "` + engine.LabelProject + `"}}{{range .IPAM.Config}} {{.Subnet}}{{end}}`}, names...)...)
	seen := map[netip.Prefix]string{}
	for _, line := range nonEmptyLines(out) {
		f := strings.Fields(line)
		if len(f) != 3 {
			t.Errorf("network %s: want one subnet, got %q", f[0], line)
			continue
		}
		p, err := netip.ParsePrefix(f[2])
		if err != nil || p.Bits() != 24 || !pool.Range.Contains(p.Addr()) {
			t.Errorf("network %s got subnet %s, want a /24 inside berth's pool %s", f[0], f[2], pool)
		}
		if other, ok := seen[p]; ok {
			t.Errorf("networks %s and %s share subnet %s", other, f[0], p)
		}
		seen[p] = f[0]
	}
	if len(seen) != len(names) {
		t.Errorf("found %d distinct subnets for %d networks", len(seen), len(names))
	}

	// The picked subnet is not configuration: planning again changes nothing.
	for _, s := range projects[:4] {
		r := s.mustBerth("plan")
		if !strings.Contains(r.stdout, "nothing to do") || strings.Contains(r.output(), "network") {
			t.Errorf("second plan of %s:\n%s\nwant nothing to do and no word about networks", s.project, r.output())
		}
	}
}

// downAll brings projects down from dir, parallel at a time, and removes
// what a failed test left. A network that dockerd refuses to remove
// although its containers are gone (a stale endpoint, moby/moby#43286) is
// logged, not failed: it is the daemon's bug, not berth's.
func downAll(t *testing.T, dir string, projects []*stack, parallel int) {
	var g errgroup.Group
	g.SetLimit(parallel)
	for _, s := range projects {
		g.Go(func() error {
			r := s.berthIn(dir, "-p", s.project, "down", "--remove-orphans")
			stale := strings.Contains(r.output(), "active endpoints")
			switch {
			case r.code != 0 && stale:
				t.Logf("cleanup: %s: dockerd kept a network with a stale endpoint (moby/moby#43286):\n%s", s.project, r.output())
			case r.code != 0 && !t.Failed():
				t.Errorf("cleanup: %v", r)
			}
			filter := "label=" + engine.LabelProject + "=" + s.project
			if out, err := docker("ps", "-aq", "--filter", filter); err == nil && out != "" {
				_, _ = docker(append([]string{"rm", "-f", "-v"}, nonEmptyLines(out)...)...)
				if !t.Failed() {
					t.Errorf("cleanup: down of %s left containers %s", s.project, out)
				}
			}
			if out, err := docker("network", "ls", "-q", "--filter", filter); err == nil && out != "" {
				if _, err := docker(append([]string{"network", "rm"}, nonEmptyLines(out)...)...); err != nil {
					t.Logf("cleanup: %s: networks %s stay (moby/moby#43286?): %v", s.project, out, err)
				} else if !stale && !t.Failed() {
					t.Errorf("cleanup: down of %s left networks %s", s.project, out)
				}
			}
			return nil
		})
	}
	_ = g.Wait()
}
