package readiness

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/fake"
)

// running starts one container on a fake engine.
func running(t *testing.T) (*fake.Engine, engine.Container) {
	t.Helper()
	ctx := context.Background()
	f := fake.New().WithImage(engine.Image{Tags: []string{"app:latest"}}).Build()
	id, err := f.CreateContainer(ctx, engine.ContainerSpec{Name: "shop-web-1", Service: types.ServiceConfig{Name: "web", Image: "app:latest"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.StartContainer(ctx, id); err != nil {
		t.Fatal(err)
	}
	c, err := f.InspectContainer(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return f, c
}

func TestLog(t *testing.T) {
	tests := []struct {
		name, pattern, stdout, stderr string
		want                          string // the error; "" when it holds
	}{
		{name: "stdout", pattern: "ready to accept", stdout: "starting\nready to accept connections\n"},
		{name: "stderr", pattern: "^LOG: ready$", stderr: "LOG: ready\r\n"},
		{name: "anchored per line", pattern: "^ready$", stdout: "not ready\nready soon\n",
			want: `log: no line matches "^ready$" (2 lines so far)`},
		{name: "no output", pattern: "ready", want: `log: no line matches "ready" (0 lines so far)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, c := running(t)
			if err := f.SetLogs(c.ID, tt.stdout, tt.stderr); err != nil {
				t.Fatal(err)
			}
			err := Log{Pattern: regexp.MustCompile(tt.pattern)}.Check(context.Background(), f, c)
			if got := errText(err); got != tt.want {
				t.Errorf("log:%s on %q/%q got %q, want %q", tt.pattern, tt.stdout, tt.stderr, got, tt.want)
			}
		})
	}
}

func TestCommand(t *testing.T) {
	tests := []struct {
		name string
		argv []string
		want string
	}{
		{name: "exit 0", argv: []string{"pg_isready"}},
		{name: "exit 2 with output", argv: []string{"pg_isready", "-q"},
			want: `command ["pg_isready" "-q"]: exit code 2: /var/run/postgresql:5432 - no response`},
		{name: "exit 1 silent", argv: []string{"exit", "1"}, want: `command ["exit" "1"]: exit code 1`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, c := running(t)
			var ran []string
			f.SetExec(func(_ engine.Container, spec engine.ExecSpec, s engine.Streams) int {
				ran = spec.Cmd
				switch {
				case len(spec.Cmd) == 2 && spec.Cmd[1] == "-q":
					s.Stdout.Write([]byte("checking\n/var/run/postgresql:5432 - no response\n"))
					return 2
				case spec.Cmd[0] == "exit":
					return 1
				}
				return 0
			})
			err := Command{Argv: tt.argv}.Check(context.Background(), f, c)
			if got := errText(err); got != tt.want {
				t.Errorf("cmd:%q got %q, want %q", tt.argv, got, tt.want)
			}
			if strings.Join(ran, " ") != strings.Join(tt.argv, " ") {
				t.Errorf("cmd:%q ran %q in the container", tt.argv, ran)
			}
		})
	}
}

// TestCommandStopped: exec in a stopped container is an error, not a pass.
func TestCommandStopped(t *testing.T) {
	f, c := running(t)
	if err := f.StopContainer(context.Background(), c.ID, nil); err != nil {
		t.Fatal(err)
	}
	if err := (Command{Argv: []string{"true"}}).Check(context.Background(), f, c); err == nil || !strings.HasPrefix(err.Error(), `command ["true"]: `) {
		t.Errorf("cmd:true in a stopped container got %v, want an error naming the command", err)
	}
}

// published is a container whose port 8080 is published on port, as
// Docker reports a binding to every address.
func published(port int) engine.Container {
	return engine.Container{Name: "shop-web-1", Ports: []engine.Port{
		{HostIP: "0.0.0.0", HostPort: uint16(port), ContainerPort: 8080, Protocol: "tcp"},
	}}
}

func TestHTTP(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/health":
			w.WriteHeader(http.StatusNoContent)
		case "/starting":
			w.WriteHeader(http.StatusServiceUnavailable)
		case "/moved":
			http.Redirect(w, r, "/health", http.StatusFound)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	hostport := "127.0.0.1:" + strconv.Itoa(port)
	tests := []struct {
		name  string
		check HTTP
		c     engine.Container
		want  string
	}{
		{name: "2xx", check: HTTP{Port: 8080, Path: "/health"}, c: published(port)},
		{name: "status", check: HTTP{Port: 8080, Path: "/health", Status: 204}, c: published(port)},
		{name: "redirect followed", check: HTTP{Port: 8080, Path: "/moved"}, c: published(port)},
		{name: "503", check: HTTP{Port: 8080, Path: "/starting"}, c: published(port),
			want: "http " + hostport + "/starting: status 503, want 2xx"},
		{name: "wrong status", check: HTTP{Port: 8080, Path: "/health", Status: 200}, c: published(port),
			want: "http " + hostport + "/health: status 204, want 200"},
		// Not published: the container's own address on its network.
		{name: "container address", check: HTTP{Port: uint16(port), Path: "/health"},
			c: engine.Container{Networks: map[string]engine.Endpoint{"shop_default": {IPAddress: "127.0.0.1"}}}},
		{name: "unreachable", check: HTTP{Port: 8080, Path: "/"}, c: engine.Container{Name: "shop-web-1"},
			want: "http 8080/: port 8080 is not published and container shop-web-1 has no network address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.check.Check(context.Background(), nil, tt.c)
			if got := errText(err); got != tt.want {
				t.Errorf("%s got %q, want %q", tt.check, got, tt.want)
			}
		})
	}
}

func TestTCP(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			defer conn.Close() // held open, as a server waiting for its client
		}
	}()
	if err := (TCP{Port: 8080}).Check(context.Background(), nil, published(port)); err != nil {
		t.Errorf("tcp:8080 published on an open port got %v, want nil", err)
	}
	l.Close()
	want := "tcp 127.0.0.1:" + strconv.Itoa(port) + ": "
	if err := (TCP{Port: 8080}).Check(context.Background(), nil, published(port)); err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("tcp:8080 published on a closed port got %v, want an error starting %q", err, want)
	}
}

// TestTCPClosedAtOnce: a listener that closes each connection at once, as
// Docker's proxy does when nothing listens in the container, is not open.
func TestTCPClosedAtOnce(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			conn.Close()
		}
	}()
	err = TCP{Port: 8080}.Check(context.Background(), nil, published(l.Addr().(*net.TCPAddr).Port))
	if err == nil || !strings.Contains(err.Error(), "connection closed at once") {
		t.Errorf("tcp:8080 on a proxy that closes at once got %v, want connection closed at once", err)
	}
}

func TestAddress(t *testing.T) {
	tests := []struct {
		name string
		c    engine.Container
		want string
	}{
		{name: "published everywhere", c: engine.Container{Ports: []engine.Port{
			{HostIP: "::", HostPort: 32771, ContainerPort: 80, Protocol: "tcp"},
			{HostIP: "0.0.0.0", HostPort: 32771, ContainerPort: 80, Protocol: "tcp"},
		}}, want: "127.0.0.1:32771"},
		{name: "published on IPv6 only", c: engine.Container{Ports: []engine.Port{{HostIP: "::", HostPort: 8000, ContainerPort: 80, Protocol: "tcp"}}},
			want: "[::1]:8000"},
		{name: "published on one address", c: engine.Container{Ports: []engine.Port{{HostIP: "10.1.2.3", HostPort: 8000, ContainerPort: 80, Protocol: "tcp"}}},
			want: "10.1.2.3:8000"},
		{name: "udp and other ports ignored", c: engine.Container{
			Ports: []engine.Port{
				{HostPort: 9000, ContainerPort: 80, Protocol: "udp"},
				{HostPort: 9001, ContainerPort: 81, Protocol: "tcp"},
				{ContainerPort: 80, Protocol: "tcp"},
			},
			Networks: map[string]engine.Endpoint{"b_net": {IPAddress: "172.20.0.2"}, "a_net": {}, "c_net": {IPAddress: "172.21.0.2"}},
		}, want: "172.20.0.2:80"},
		{name: "host network", c: engine.Container{Networks: map[string]engine.Endpoint{"host": {}}}, want: "127.0.0.1:80"},
		{name: "nothing", c: engine.Container{Name: "x"}, want: "port 80 is not published and container x has no network address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Address(tt.c, 80)
			if err != nil {
				got = err.Error()
			}
			if got != tt.want {
				t.Errorf("Address(%s, 80) got %s, want %s", tt.name, got, tt.want)
			}
		})
	}
}

// TestProbe: a probe tries at most once per interval, keeps each unmet
// condition's last error, and expires at its own timeout.
func TestProbe(t *testing.T) {
	f, c := running(t)
	start := time.Unix(1000, 0)
	p := NewProbe(Spec{
		Conditions: []Condition{Log{Pattern: regexp.MustCompile("ready")}, Command{Argv: []string{"check"}}},
		Timeout:    10 * time.Second, Interval: 2 * time.Second,
	}, start)
	if got := unmetText(p); got != "log:ready: not tried yet; cmd:check: not tried yet" {
		t.Errorf("before a poll, unmet is %q", got)
	}
	code := 1
	f.SetExec(func(engine.Container, engine.ExecSpec, engine.Streams) int { return code })
	ctx := context.Background()
	if p.Poll(ctx, f, c, start) {
		t.Fatal("Poll held with no log and a failing command")
	}
	if got, want := unmetText(p), `log:ready: log: no line matches "ready" (0 lines so far); cmd:check: command ["check"]: exit code 1`; got != want {
		t.Errorf("after a poll, unmet is %q, want %q", got, want)
	}
	mustDo(t, f.SetLogs(c.ID, "ready\n", ""))
	code = 0
	if p.Poll(ctx, f, c, start.Add(time.Second)) {
		t.Error("Poll held one second later, within its 2s interval: it must not have tried again")
	}
	if !p.Poll(ctx, f, c, start.Add(2*time.Second)) {
		t.Errorf("Poll after the interval did not hold: %s", unmetText(p))
	}
	if p.Expired(start.Add(9*time.Second)) || !p.Expired(start.Add(10*time.Second)) {
		t.Error("a probe with a 10s timeout must expire at 10s, not before")
	}
}

func unmetText(p *Probe) string {
	var s []string
	for _, u := range p.Unmet() {
		s = append(s, u.String())
	}
	return strings.Join(s, "; ")
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func mustDo(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
