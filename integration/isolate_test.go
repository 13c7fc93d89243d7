package integration

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/itest"
)

// isolatedStack has fixed host ports that two copies on one host would
// both ask for, and a service scaled past what a fixed port allows.
const isolatedStack = `
services:
  web:
    image: @IMAGE@
    command: ["serve", "80"]
    ports: ["127.0.0.1:@PORT@:80"]
  api:
    image: @IMAGE@
    command: ["serve", "8080"]
    ports: ["@PORT2@:8080"]
    scale: 2
`

// portBinding is one entry of port --all --format json.
type portBinding struct {
	Service       string `json:"service"`
	Index         int    `json:"index"`
	Container     string `json:"container"`
	ContainerPort int    `json:"container_port"`
	Protocol      string `json:"protocol"`
	HostIP        string `json:"host_ip"`
	HostPort      int    `json:"host_port"`
}

func TestEphemeralPortsParallel(t *testing.T) {
	t.Parallel()
	port := freePorts(t)
	compose := strings.NewReplacer("@PORT@", strconv.Itoa(port), "@PORT2@", strconv.Itoa(port+1)).Replace(isolatedStack)
	held := newStack(t, compose)
	// One copy holds the file's port, as a developer's stack or another
	// job would; a second copy with the file's ports cannot start.
	held.mustBerth("up", "-d", "web")
	if r := held.sibling(held.project+"-b").berth("up", "-d", "web"); r.code == 0 || !strings.Contains(r.output(), "already in use") {
		t.Fatalf("a second copy with fixed ports started or failed for another reason: %v", r)
	}

	copies := []*stack{held.sibling(held.project + "-1"), held.sibling(held.project + "-2")}
	var wg sync.WaitGroup
	results := make([]result, len(copies))
	for i, s := range copies {
		wg.Go(func() { results[i] = s.berth("up", "-d", "--ephemeral-ports") })
	}
	wg.Wait()
	for _, r := range results {
		if r.code != 0 {
			t.Fatalf("parallel up --ephemeral-ports failed: %v", r)
		}
	}

	seen := map[int]string{}
	for _, s := range copies {
		var got []portBinding
		r := s.mustBerth("port", "--all", "--format", "json")
		if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
			t.Fatalf("port --all --format json: %v\n%s", err, r.stdout)
		}
		want := map[string]bool{"web/1/80/tcp/127.0.0.1": true, "api/1/8080/tcp/0.0.0.0": true, "api/2/8080/tcp/0.0.0.0": true}
		for _, b := range got {
			if strings.Contains(b.HostIP, ":") {
				continue // an IPv6 twin of an IPv4 binding, on daemons that make one
			}
			key := fmt.Sprintf("%s/%d/%d/%s/%s", b.Service, b.Index, b.ContainerPort, b.Protocol, b.HostIP)
			if !want[key] {
				t.Errorf("%s: port --all lists %s, want one of %v", s.project, key, want)
				continue
			}
			delete(want, key)
			if b.HostPort == port || b.HostPort == port+1 {
				t.Errorf("%s: %s kept the file's host port %d", s.project, key, b.HostPort)
			}
			if other, dup := seen[b.HostPort]; dup {
				t.Errorf("host port %d is both %s and %s", b.HostPort, other, b.Container)
			}
			seen[b.HostPort] = b.Container
			// The port answers, and from the container port --all names.
			id := s.inspect(b.Container, "{{.Config.Hostname}}")
			itest.Eventually(t, 30*time.Second, b.Container+" answers on "+strconv.Itoa(b.HostPort), func() error {
				body, err := httpGet("http://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(b.HostPort)) + "/")
				if err == nil && !strings.Contains(body, "hello from "+id) {
					err = fmt.Errorf("answered %q, want hello from %s", body, id)
				}
				return err
			})
		}
		if len(want) > 0 {
			t.Errorf("%s: port --all lacks %v:\n%s", s.project, want, r.stdout)
		}
	}

	// The rewrite is stable: the same up again changes nothing.
	before := copies[0].ids()
	copies[0].mustBerth("up", "-d", "--ephemeral-ports")
	if after := copies[0].ids(); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("a second up --ephemeral-ports replaced containers: %v, then %v", before, after)
	}
}

// freePorts picks a port P, with P+1, that nothing on this host listens on
// now, below the range the engine hands out ephemeral ports from.
func freePorts(t *testing.T) int {
	t.Helper()
	for range 50 {
		p := 20000 + rand.IntN(10000)
		free := true
		for _, q := range []int{p, p + 1} {
			l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(q))
			if err != nil {
				free = false
				break
			}
			l.Close()
		}
		if free {
			return p
		}
	}
	t.Fatal("no free pair of ports between 20000 and 30000")
	return 0
}
