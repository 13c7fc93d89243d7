package integration

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/itest"
)

func TestServiceDiscovery(t *testing.T) {
	t.Parallel()
	s := newStack(t, `
services:
  api:
    image: @IMAGE@
    command: ["serve", "8080"]
    environment:
      MESSAGE: from-api
    networks:
      backend:
        aliases: [catalog]
  client:
    image: @IMAGE@
    networks: [backend]
  outsider:
    image: @IMAGE@
networks:
  backend: {}
`)
	s.mustBerth("up", "-d")
	api, client, outsider := s.name("api", 1), s.name("client", 1), s.name("outsider", 1)
	s.wantRunning(api, client, outsider)
	ip := s.inspect(api, fmt.Sprintf(`{{(index .NetworkSettings.Networks %q).IPAddress}}`, s.project+"_backend"))
	if ip == "" {
		t.Fatalf("%s has no address on %s_backend", api, s.project)
	}

	for _, name := range []string{"api", "catalog"} {
		out, err := s.exec(client, "resolve", name)
		if err != nil || !slices.Contains(nonEmptyLines(out), ip) {
			t.Errorf("in %s: resolve %s got %q, %v, want %s", client, name, out, err, ip)
		}
	}
	itest.Eventually(t, 30*time.Second, "GET http://catalog:8080/ from "+client, func() error {
		out, err := s.exec(client, "get", "http://catalog:8080/")
		if err == nil && !strings.Contains(out, "from-api") {
			return fmt.Errorf("body %q, want it to contain from-api", out)
		}
		return err
	})

	// The backend network is private to the services that join it.
	if out, err := s.exec(outsider, "resolve", "catalog"); err == nil {
		t.Errorf("in %s (default network only): resolve catalog got %q, want a failure", outsider, out)
	}
}

func TestNetworkModeService(t *testing.T) {
	t.Parallel()
	const compose = `
services:
  main:
    image: @IMAGE@
    command: ["serve", "8080"]
    environment:
      MESSAGE: %s
  side:
    image: @IMAGE@
    network_mode: "service:main"
`
	s := newStack(t, fmt.Sprintf(compose, "first"))
	main, side := s.name("main", 1), s.name("side", 1)

	check := func(message string) {
		t.Helper()
		ids := s.wantRunning(main, side)
		if got, want := s.inspect(side, "{{.HostConfig.NetworkMode}}"), "container:"+ids[main]; got != want {
			t.Errorf("%s network mode got %q, want %q", side, got, want)
		}
		// side shares main's network namespace, so main is on its localhost.
		itest.Eventually(t, 30*time.Second, "GET http://127.0.0.1:8080/ from "+side, func() error {
			out, err := s.exec(side, "get", "http://127.0.0.1:8080/")
			if err == nil && !strings.Contains(out, message) {
				return fmt.Errorf("body %q, want it to contain %s", out, message)
			}
			return err
		})
	}

	s.mustBerth("up", "-d")
	check("first")

	// Recreating main must recreate side too: its namespace went away.
	s.write("compose.yaml", fmt.Sprintf(compose, "second"))
	s.mustBerth("up", "-d")
	check("second")
}

func TestPublishedPort(t *testing.T) {
	t.Parallel()
	port := freePort(t)
	s := newStack(t, fmt.Sprintf(`
services:
  web:
    image: @IMAGE@
    command: ["serve", "8080"]
    environment:
      MESSAGE: published
    ports:
      - "127.0.0.1:%d:8080"
`, port))
	s.mustBerth("up", "-d")
	web := s.name("web", 1)
	ids := s.wantRunning(web)

	url := fmt.Sprintf("http://127.0.0.1:%d/", port)
	itest.Eventually(t, 30*time.Second, "GET "+url, func() error {
		body, err := httpGet(url)
		if err == nil && !strings.Contains(body, "published") {
			return fmt.Errorf("body %q, want it to contain published", body)
		}
		return err
	})

	// ps --format json reports the same container and its publisher, with
	// compose's field names.
	var found bool
	for _, e := range s.ps() {
		if e.Name != web {
			t.Errorf("ps: unexpected container %q", e.Name)
			continue
		}
		found = true
		if e.Service != "web" || e.State != "running" || len(e.ID) < 12 || !strings.HasPrefix(ids[web], e.ID) {
			t.Errorf("ps: %s got Service=%q State=%q ID=%q, want web, running, a prefix of %s", web, e.Service, e.State, e.ID, ids[web])
		}
		published := false
		for _, p := range e.Publishers {
			published = published || p.PublishedPort == port && p.TargetPort == 8080 && p.Protocol == "tcp"
		}
		if !published {
			t.Errorf("ps: %s Publishers got %+v, want %d->8080/tcp", web, e.Publishers, port)
		}
	}
	if !found {
		t.Errorf("ps: %s missing", web)
	}
}

// freePort asks the kernel for a port nobody listens on. Another process
// could take it before the container does; on a test machine that is rare.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func httpGet(url string) (string, error) {
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET %s: %s: %s", url, resp.Status, b)
	}
	return string(b), nil
}
