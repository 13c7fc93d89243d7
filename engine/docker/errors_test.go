package docker

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/berth-dev/berth/engine"
)

const holderID = "4f0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8"

// TestDaemonErrors feeds the daemon's real failure answers to the engine
// and checks that each comes back saying what failed and what to do, and
// matching the sentinel callers test for.
func TestDaemonErrors(t *testing.T) {
	pinned := Options{APIVersion: "1.41"}
	createWeb := func(ctx context.Context, e *Engine) error {
		_, err := e.CreateContainer(ctx, webSpec("example/api:1.4"))
		return err
	}
	startWeb := func(ctx context.Context, e *Engine) error { return e.StartContainer(ctx, "abc") }
	listShop := func(ctx context.Context, e *Engine) error {
		_, err := e.Containers(ctx, "shop")
		return err
	}
	for _, tc := range []struct {
		name  string
		opts  Options
		ping  func(*http.Request) (*http.Response, error)
		api   func(n int, req *http.Request) (*http.Response, error)
		run   func(context.Context, *Engine) error
		want  string
		is    error
		as    func(error) bool
		calls []string
	}{
		{
			name: "image missing at create",
			opts: pinned,
			api: func(_ int, req *http.Request) (*http.Response, error) {
				return daemonError(req, http.StatusNotFound, "No such image: example/api:1.4")
			},
			run:  createWeb,
			want: `create container shop-web-1: image "example/api:1.4" not found locally: pull it (berth pull) or load it (docker load)`,
			is:   engine.ErrNotFound,
			as: func(err error) bool {
				var x *engine.ImageNotFoundError
				return errors.As(err, &x) && x.Ref == "example/api:1.4"
			},
			calls: []string{"POST /v1.41/containers/create"},
		},
		{
			name: "image missing at inspect",
			opts: pinned,
			api: func(_ int, req *http.Request) (*http.Response, error) {
				return daemonError(req, http.StatusNotFound, "No such image: example/api:1.4")
			},
			run: func(ctx context.Context, e *Engine) error {
				_, err := e.InspectImage(ctx, "example/api:1.4")
				return err
			},
			want:  `image "example/api:1.4" not found locally: pull it (berth pull) or load it (docker load)`,
			is:    engine.ErrNotFound,
			as:    func(err error) bool { var x *engine.ImageNotFoundError; return errors.As(err, &x) },
			calls: []string{"GET /v1.41/images/example/api:1.4/json"},
		},
		{
			name: "port allocated by another container",
			opts: pinned,
			api: func(_ int, req *http.Request) (*http.Response, error) {
				if req.Method == http.MethodGet {
					return reply(req, http.StatusOK, containerJSON("abc", "shop-web-1", "shop", "web"))
				}
				return daemonError(req, http.StatusInternalServerError, "driver failed programming external connectivity on endpoint shop-web-1 (df9da4fd71a1): Bind for 127.0.0.1:8080 failed: port is already allocated")
			},
			run:   startWeb,
			want:  `start container shop-web-1: port 127.0.0.1:8080 is already in use by another process or container: change "ports" of service web or free the port`,
			is:    engine.ErrConflict,
			as:    func(err error) bool { var x *PortInUseError; return errors.As(err, &x) && x.Service == "web" },
			calls: []string{"POST /v1.41/containers/abc/start", "GET /v1.41/containers/abc/json"},
		},
		{
			name: "port held by a host process, container not inspectable",
			opts: pinned,
			api: func(_ int, req *http.Request) (*http.Response, error) {
				if req.Method == http.MethodGet {
					return daemonError(req, http.StatusNotFound, "No such container: abc")
				}
				return daemonError(req, http.StatusInternalServerError, "driver failed programming external connectivity on endpoint shop-web-1 (22fb85a0): Error starting userland proxy: listen tcp4 0.0.0.0:5432: bind: address already in use")
			},
			run:   startWeb,
			want:  `start container abc: port 0.0.0.0:5432 is already in use by another process or container: change the published ports of container abc or free the port`,
			is:    engine.ErrConflict,
			calls: []string{"POST /v1.41/containers/abc/start", "GET /v1.41/containers/abc/json"},
		},
		{
			name: "name held by a container of another project",
			opts: pinned,
			api: func(_ int, req *http.Request) (*http.Response, error) {
				if req.Method == http.MethodGet {
					return reply(req, http.StatusOK, containerJSON(holderID, "shop-web-1", "", ""))
				}
				return daemonError(req, http.StatusConflict, `Conflict. The container name "/shop-web-1" is already in use by container "`+holderID+`". You have to remove (or rename) that container to be able to reuse that name.`)
			},
			run:   createWeb,
			want:  `create container shop-web-1: container name "shop-web-1" is already used by container 4f0a1b2c3d4e that is not part of project "shop": remove or rename it`,
			is:    engine.ErrConflict,
			as:    func(err error) bool { var x *NameConflictError; return errors.As(err, &x) && x.ID == holderID },
			calls: []string{"POST /v1.41/containers/create", "GET /v1.41/containers/" + holderID + "/json"},
		},
		{
			name: "name reserved by a create still under way",
			opts: pinned,
			api: func(_ int, req *http.Request) (*http.Response, error) {
				if req.Method == http.MethodGet {
					return daemonError(req, http.StatusNotFound, "No such container: "+holderID)
				}
				return daemonError(req, http.StatusConflict, `Conflict. The container name "/shop-web-1" is already in use by container "`+holderID+`". You have to remove (or rename) that container to be able to reuse that name.`)
			},
			run:   createWeb,
			want:  `create container shop-web-1: container name "shop-web-1" is reserved for container 4f0a1b2c3d4e, which the daemon is still creating: another berth or docker compose may be changing the project; run the command again once it is done`,
			is:    engine.ErrConflict,
			as:    func(err error) bool { var x *NameConflictError; return errors.As(err, &x) && x.Creating },
			calls: []string{"POST /v1.41/containers/create", "GET /v1.41/containers/" + holderID + "/json"},
		},
		{
			name: "name held by a container of the same project",
			opts: pinned,
			api: func(_ int, req *http.Request) (*http.Response, error) {
				if req.Method == http.MethodGet {
					return reply(req, http.StatusOK, containerJSON(holderID, "shop-web-1", "shop", "web"))
				}
				return daemonError(req, http.StatusConflict, `Conflict. The container name "/shop-web-1" is already in use by container "`+holderID+`". You have to remove (or rename) that container to be able to reuse that name.`)
			},
			run:  createWeb,
			want: `create container shop-web-1: container name "shop-web-1" is already used by container 4f0a1b2c3d4e of service web in project "shop": another berth or docker compose may be changing the project; run the command again once it is done`,
			is:   engine.ErrConflict,
		},
		{
			name: "out of space at create",
			opts: pinned,
			api: func(_ int, req *http.Request) (*http.Response, error) {
				return daemonError(req, http.StatusInternalServerError, "mkdir /var/lib/docker/overlay2/1f2e-init: no space left on device")
			},
			run:   createWeb,
			want:  "create container shop-web-1: no space left on device on the Docker host: see what uses the space with docker system df, then free some with docker system prune (or docker image prune, docker volume prune)",
			as:    func(err error) bool { var x *NoSpaceError; return errors.As(err, &x) },
			calls: []string{"POST /v1.41/containers/create"},
		},
		{
			name: "out of space at volume create is not retried",
			opts: pinned,
			api: func(_ int, req *http.Request) (*http.Response, error) {
				return daemonError(req, http.StatusInternalServerError, "create shop_data: mkdir /var/lib/docker/volumes/shop_data: no space left on device")
			},
			run: func(ctx context.Context, e *Engine) error {
				return e.CreateVolume(ctx, engine.VolumeSpec{Name: "shop_data"})
			},
			want:  "create volume shop_data: no space left on device on the Docker host: see what uses the space with docker system df, then free some with docker system prune (or docker image prune, docker volume prune)",
			calls: []string{"POST /v1.41/volumes/create"},
		},
		{
			name: "daemon refuses connections",
			ping: refuse,
			run:  listShop,
			want: "cannot connect to the Docker daemon at tcp://daemon.invalid:2375: is dockerd running? (set DOCKER_HOST to use another)",
			is:   ErrUnreachable,
			as:   func(err error) bool { var x *UnreachableError; return errors.As(err, &x) && x.Reason == NotRunning },
		},
		{
			name: "permission denied on the socket",
			opts: Options{Host: "unix:///var/run/docker.sock"},
			ping: deny,
			run:  listShop,
			want: "permission denied on the Docker socket at unix:///var/run/docker.sock: add your user to the docker group (sudo usermod -aG docker $USER, then log in again) or run berth with sudo",
			is:   ErrUnreachable,
		},
		{
			name: "connection dropped after sending",
			opts: pinned,
			api:  func(_ int, req *http.Request) (*http.Response, error) { return reset(req) },
			run:  listShop,
			want: "list containers of project shop: the connection to the Docker daemon at tcp://daemon.invalid:2375 broke off (read tcp: read: connection reset by peer): check that the daemon is healthy (docker info) and run the command again",
			is:   ErrUnreachable,
			as:   func(err error) bool { var x *UnreachableError; return errors.As(err, &x) && x.Reason == ConnectionLost },
		},
		{
			name: "daemon API older than the client's minimum",
			ping: func(req *http.Request) (*http.Response, error) { return pingOK(req, "1.39") },
			run:  listShop,
			want: "the Docker daemon at tcp://daemon.invalid:2375 speaks API 1.39, older than 1.40, the oldest berth supports: upgrade Docker Engine to 19.03 or newer",
			as: func(err error) bool {
				var x *APIVersionError
				return errors.As(err, &x) && x.Problem == DaemonTooOld && x.Daemon == "1.39" && x.Client == "1.40"
			},
		},
		{
			name: "pinned API newer than the daemon's",
			opts: Options{APIVersion: "1.56"},
			api: func(_ int, req *http.Request) (*http.Response, error) {
				return daemonError(req, http.StatusBadRequest, "client version 1.56 is too new. Maximum supported API version is 1.41")
			},
			run:   listShop,
			want:  "berth is set to Docker API 1.56 (DOCKER_API_VERSION), but the daemon at tcp://daemon.invalid:2375 supports at most 1.41: unset DOCKER_API_VERSION or set it to 1.41 or lower",
			as:    func(err error) bool { var x *APIVersionError; return errors.As(err, &x) && x.Problem == ClientTooNew },
			calls: []string{"GET /v1.56/containers/json"},
		},
		{
			name: "pinned API older than the daemon's minimum",
			opts: Options{APIVersion: "1.41"},
			api: func(_ int, req *http.Request) (*http.Response, error) {
				return daemonError(req, http.StatusBadRequest, "client version 1.41 is too old. Minimum supported API version is 1.44, please upgrade your client to a newer version")
			},
			run:  listShop,
			want: "berth is set to Docker API 1.41 (DOCKER_API_VERSION), but the daemon at tcp://daemon.invalid:2375 needs 1.44 or newer: unset DOCKER_API_VERSION or set it to at least 1.44",
			as:   func(err error) bool { var x *APIVersionError; return errors.As(err, &x) && x.Problem == ClientTooOld },
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &stub{ping: tc.ping, api: tc.api}
			e, _ := stubEngine(t, s, tc.opts)
			err := tc.run(context.Background(), e)
			if err == nil {
				t.Fatalf("%s got no error, want %q", tc.name, tc.want)
			}
			if err.Error() != tc.want {
				t.Errorf("%s got error\n%s\nwant\n%s", tc.name, err, tc.want)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("%s got %v, want errors.Is %v", tc.name, err, tc.is)
			}
			if tc.as != nil && !tc.as(err) {
				t.Errorf("%s got %#v, want the typed error with its fields set", tc.name, err)
			}
			if tc.calls != nil {
				if diff := cmp.Diff(tc.calls, s.apiCalls()); diff != "" {
					t.Errorf("%s API calls mismatch (-want +got):\n%s", tc.name, diff)
				}
			}
		})
	}
}

func TestTakenPort(t *testing.T) {
	for _, tc := range []struct {
		msg  string
		addr string
		ok   bool
	}{
		{"driver failed programming external connectivity on endpoint w (1): Bind for 0.0.0.0:8080 failed: port is already allocated", "0.0.0.0:8080", true},
		{"Error starting userland proxy: listen tcp4 127.0.0.1:8080: bind: address already in use", "127.0.0.1:8080", true},
		{"Error starting userland proxy: listen tcp6 [::]:8080: bind: address already in use", "[::]:8080", true},
		{"Error starting userland proxy: listen udp4 0.0.0.0:53: bind: address already in use", "0.0.0.0:53", true},
		{"failed to set up container networking: driver failed programming external connectivity on endpoint a (f8): failed to bind host port for 0.0.0.0:8000:172.31.0.2:8000/tcp: address already in use", "0.0.0.0:8000", true},
		{"failed to set up container networking: failed to bind host port 127.0.0.1:5432/tcp: address already in use", "127.0.0.1:5432", true},
		{"ports are not available: some new wording, port is already allocated", "", true},
		{"OCI runtime create failed: exec: \"x\": executable file not found in $PATH", "", false},
		{"Address already in use", "", false},
	} {
		t.Run(tc.msg, func(t *testing.T) {
			addr, ok := takenPort(tc.msg)
			if addr != tc.addr || ok != tc.ok {
				t.Errorf("takenPort(%q) got %q, %v, want %q, %v", tc.msg, addr, ok, tc.addr, tc.ok)
			}
		})
	}
}

// TestUnreachableSocket dials real sockets: a path with nothing behind it
// is reported at once; a port nobody listens on is retried, since a
// restarting daemon refuses connections for a moment.
func TestUnreachableSocket(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedPort := "tcp://" + l.Addr().String()
	_ = l.Close()

	for _, tc := range []struct {
		host    string
		retries int
	}{
		{"unix://" + t.TempDir() + "/docker.sock", 0},
		{closedPort, maxRetries},
	} {
		t.Run(tc.host, func(t *testing.T) {
			e, err := New(context.Background(), Options{Host: tc.host})
			if err != nil {
				t.Fatal(err)
			}
			var slept int
			e.sleep = func(context.Context, time.Duration) error { slept++; return nil }
			_, err = e.Volumes(context.Background(), "shop")
			want := "cannot connect to the Docker daemon at " + tc.host + ": is dockerd running? (set DOCKER_HOST to use another)"
			if err == nil || err.Error() != want {
				t.Errorf("Volumes via %s got error %v, want %q", tc.host, err, want)
			}
			if !errors.Is(err, ErrUnreachable) {
				t.Errorf("Volumes via %s got %v, want errors.Is ErrUnreachable", tc.host, err)
			}
			if slept != tc.retries {
				t.Errorf("Volumes via %s retried %d times, want %d", tc.host, slept, tc.retries)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("Volumes via %s got a multi-line error %q, want one line", tc.host, err)
			}
		})
	}
}
