package docker

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	cerrdefs "github.com/containerd/errdefs"
	"github.com/google/go-cmp/cmp"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"

	"github.com/berth-dev/berth/engine"
)

func TestOptionsFromEnv(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		want Options
	}{
		{"empty", nil, Options{}},
		{"host and version", map[string]string{"DOCKER_HOST": "tcp://10.0.0.1:2376", "DOCKER_API_VERSION": "1.41"},
			Options{Host: "tcp://10.0.0.1:2376", APIVersion: "1.41"}},
		{"tls verify defaults cert path to ~/.docker", map[string]string{"DOCKER_TLS_VERIFY": "1", "HOME": "/home/u"},
			Options{TLSVerify: true, CertPath: "/home/u/.docker", ConfigDir: "/home/u/.docker"}},
		{"docker config wins over home", map[string]string{"DOCKER_CONFIG": "/cfg", "HOME": "/home/u"}, Options{ConfigDir: "/cfg"}},
		{"explicit cert path", map[string]string{"DOCKER_CERT_PATH": "/certs"}, Options{CertPath: "/certs"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := OptionsFromEnv(tc.env, "")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("OptionsFromEnv(%v) (-want +got):\n%s", tc.env, diff)
			}
		})
	}
}

func TestNewRejects(t *testing.T) {
	for _, tc := range []struct {
		opts Options
		want string
	}{
		{Options{Host: "ssh://user@host"}, "ssh:// is not supported yet; use unix:// or tcp:// with TLS, or forward the remote socket (ssh -nNT -L /tmp/berth-docker.sock:/var/run/docker.sock user@host) and set DOCKER_HOST=unix:///tmp/berth-docker.sock"},
		{Options{Host: "npipe:////./pipe/docker_engine"}, "scheme npipe:// is not supported"},
		{Options{Host: "localhost:2375"}, "want unix:///path/to/docker.sock or tcp://host:port"},
		{Options{Host: "unix:///var/run/docker.sock", TLSVerify: true, CertPath: "/c"}, "TLS needs a tcp:// host"},
		{Options{Host: "tcp://h:2376", TLSVerify: true}, "set DOCKER_CERT_PATH"},
		{Options{Host: "tcp://h:2376", CertPath: "/nonexistent"}, "TLS certificates in /nonexistent"},
	} {
		t.Run(tc.opts.Host, func(t *testing.T) {
			_, err := New(context.Background(), tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("New(%+v) got error %v, want one containing %q", tc.opts, err, tc.want)
			}
		})
	}
}

func TestNewIsLazy(t *testing.T) {
	// Nothing listens here; New must still succeed because it does not dial.
	e, err := New(context.Background(), Options{Host: "unix:///nonexistent/docker.sock"})
	if err != nil {
		t.Fatalf("New(unreachable host) got error %v, want none until first use", err)
	}
	_, err = e.Containers(context.Background(), "p")
	if !errors.Is(err, ErrUnreachable) {
		t.Fatalf("Containers on an unreachable host got %v, want ErrUnreachable", err)
	}
	if !strings.Contains(err.Error(), "unix:///nonexistent/docker.sock") {
		t.Errorf("Containers on an unreachable host got %q, want the host in the message", err)
	}
}

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want error
	}{
		{"not found", cerrdefs.ErrNotFound.WithMessage("No such container: x"), engine.ErrNotFound},
		{"conflict", cerrdefs.ErrConflict.WithMessage("name in use"), engine.ErrConflict},
		{"already exists", cerrdefs.ErrAlreadyExists.WithMessage("exists"), engine.ErrConflict},
		{"active endpoints", cerrdefs.ErrPermissionDenied.WithMessage("error while removing network: network n id 1 has active endpoints"), engine.ErrActiveEndpoints},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := classify("op", "unix:///s", "", tc.err)
			if !errors.Is(got, tc.want) {
				t.Errorf("classify(%v) got %v, want errors.Is %v", tc.err, got, tc.want)
			}
			if !errors.Is(got, tc.err) || !strings.HasPrefix(got.Error(), "op: ") {
				t.Errorf("classify(%v) got %q, want the daemon error kept behind %q", tc.err, got, "op: ")
			}
		})
	}
	plain := classify("op", "h", "", errors.New("boom"))
	for _, s := range []error{engine.ErrNotFound, engine.ErrConflict, engine.ErrActiveEndpoints, ErrUnreachable} {
		if errors.Is(plain, s) {
			t.Errorf("classify(boom) got errors.Is(%v) true, want false", s)
		}
	}
}

func TestHealthAndExitFromStatus(t *testing.T) {
	for _, tc := range []struct {
		status string
		health string
		exit   int
	}{
		{"Up 3 seconds (healthy)", "healthy", 0},
		{"Up 3 seconds (unhealthy)", "unhealthy", 0},
		{"Up 1 second (health: starting)", "starting", 0},
		{"Up 2 hours", "", 0},
		{"Exited (137) 5 seconds ago", "", 137},
		{"Exited (0) About a minute ago", "", 0},
		{"Created", "", 0},
	} {
		t.Run(tc.status, func(t *testing.T) {
			if got := healthFromStatus(tc.status); got != tc.health {
				t.Errorf("healthFromStatus(%q) got %q, want %q", tc.status, got, tc.health)
			}
			if got := exitCodeFromStatus(tc.status); got != tc.exit {
				t.Errorf("exitCodeFromStatus(%q) got %d, want %d", tc.status, got, tc.exit)
			}
		})
	}
}

func TestFromSummary(t *testing.T) {
	s := container.Summary{
		ID:      "abc",
		Names:   []string{"/shop-web-1/db", "/shop-db-1"},
		Image:   "berth-test:latest",
		ImageID: "sha256:1",
		Command: "/berth-test sleep",
		Created: 1700000000,
		Labels:  map[string]string{engine.LabelProject: "shop"},
		State:   container.StateExited,
		Status:  "Exited (3) 2 seconds ago",
		Ports: []container.PortSummary{
			{PrivatePort: 80, PublicPort: 8080, Type: "tcp", IP: netip.MustParseAddr("127.0.0.1")},
			{PrivatePort: 53, Type: "udp"},
		},
		NetworkSettings: &container.NetworkSettingsSummary{Networks: map[string]*network.EndpointSettings{
			"shop_default": {NetworkID: "n1", IPAddress: netip.MustParseAddr("172.18.0.2"), Aliases: []string{"db"}},
		}},
		Mounts: []container.MountPoint{{Type: "volume", Name: "shop_data", Source: "/v", Destination: "/data", RW: false}},
	}
	want := engine.Container{
		ID: "abc", Name: "shop-db-1", Image: "berth-test:latest", ImageID: "sha256:1", Command: "/berth-test sleep",
		Labels: map[string]string{engine.LabelProject: "shop"}, State: "exited", Status: "Exited (3) 2 seconds ago",
		ExitCode: 3, Created: time.Unix(1700000000, 0).UTC(),
		Networks: map[string]engine.Endpoint{"shop_default": {NetworkID: "n1", IPAddress: "172.18.0.2", Aliases: []string{"db"}}},
		Ports:    []engine.Port{{ContainerPort: 53, Protocol: "udp"}, {HostIP: "127.0.0.1", HostPort: 8080, ContainerPort: 80, Protocol: "tcp"}},
		Mounts:   []engine.Mount{{Type: "volume", Name: "shop_data", Source: "/v", Destination: "/data", ReadOnly: true}},
	}
	if diff := cmp.Diff(want, fromSummary(s)); diff != "" {
		t.Errorf("fromSummary(...) mismatch (-want +got):\n%s", diff)
	}
}

func TestNetworkCreateOptions(t *testing.T) {
	v6 := true
	spec := engine.NetworkSpec{
		Name: "shop_back",
		Config: types.NetworkConfig{
			Driver:     "bridge",
			DriverOpts: map[string]string{"com.docker.network.bridge.name": "br-shop"},
			Internal:   true,
			Attachable: true,
			EnableIPv6: &v6,
			Labels:     map[string]string{"team": "shop", engine.LabelNetwork: "overridden"},
			Ipam: types.IPAMConfig{Driver: "default", Config: []*types.IPAMPool{{
				Subnet: "172.28.0.0/16", IPRange: "172.28.5.0/24", Gateway: "172.28.0.1",
				AuxiliaryAddresses: map[string]string{"host1": "172.28.1.5"},
			}}},
		},
		Labels: map[string]string{engine.LabelProject: "shop", engine.LabelNetwork: "back"},
	}
	got, err := networkCreateOptions(spec)
	if err != nil {
		t.Fatal(err)
	}
	if got.Driver != "bridge" || !got.Internal || !got.Attachable || got.EnableIPv6 == nil || !*got.EnableIPv6 ||
		got.Options["com.docker.network.bridge.name"] != "br-shop" {
		t.Errorf("networkCreateOptions(...) got %+v, want driver, options and flags copied", got)
	}
	wantLabels := map[string]string{"team": "shop", engine.LabelProject: "shop", engine.LabelNetwork: "back"}
	if diff := cmp.Diff(wantLabels, got.Labels); diff != "" {
		t.Errorf("networkCreateOptions(...).Labels mismatch (-want +got):\n%s", diff)
	}
	if got.IPAM == nil || len(got.IPAM.Config) != 1 {
		t.Fatalf("networkCreateOptions(...).IPAM got %+v, want one pool", got.IPAM)
	}
	pool := got.IPAM.Config[0]
	if pool.Subnet.String() != "172.28.0.0/16" || pool.IPRange.String() != "172.28.5.0/24" ||
		pool.Gateway.String() != "172.28.0.1" || pool.AuxAddress["host1"].String() != "172.28.1.5" {
		t.Errorf("networkCreateOptions(...).IPAM.Config[0] got %+v, want the pool parsed", pool)
	}

	spec.Config.Ipam.Config[0].Subnet = "not-a-subnet"
	if _, err := networkCreateOptions(spec); err == nil || !strings.Contains(err.Error(), `subnet "not-a-subnet"`) {
		t.Errorf("networkCreateOptions(bad subnet) got %v, want an error naming the subnet", err)
	}
}

func TestStreamBuildOutput(t *testing.T) {
	for _, tc := range []struct {
		name, in, out, err string
	}{
		{"steps", `{"stream":"Step 1/2 : FROM scratch\n"}{"stream":" ---\u003e Running\n"}{"aux":{"ID":"sha256:1"}}`, "Step 1/2 : FROM scratch\n ---> Running\n", ""},
		{"status", `{"status":"Downloading","id":"abc","progress":"[==>  ]"}`, "abc: Downloading [==>  ]\n", ""},
		{"error", `{"stream":"Step 1/1 : COPY x /\n"}{"errorDetail":{"message":"COPY failed: file not found"},"error":"COPY failed: file not found"}`, "Step 1/1 : COPY x /\n", "COPY failed: file not found"},
		{"garbage", `{"stream":`, "", "read build output"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out strings.Builder
			err := streamBuildOutput(strings.NewReader(tc.in), &out)
			if out.String() != tc.out {
				t.Errorf("streamBuildOutput(%s) wrote %q, want %q", tc.name, out.String(), tc.out)
			}
			if gotErr := fmt.Sprint(err); (tc.err == "") != (err == nil) || !strings.Contains(gotErr, tc.err) {
				t.Errorf("streamBuildOutput(%s) got error %v, want %q", tc.name, err, tc.err)
			}
		})
	}
}

func TestDockerignore(t *testing.T) {
	rules, err := parseDockerignore(strings.NewReader(`
# comment
*.log
/build
**/node_modules
secret?.txt
docs/
!docs/README.md
[ab].tmp
`))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path    string
		ignored bool
	}{
		{"app.log", true},
		{"sub/app.log", false}, // *.log matches at the root only, as in docker
		{"build", true},
		{"build/out.bin", true},
		{"node_modules/x.js", true},
		{"web/node_modules/x.js", true},
		{"secret1.txt", true},
		{"secret10.txt", false},
		{"docs/guide.md", true},
		{"docs/README.md", false},
		{"a.tmp", true},
		{"c.tmp", false},
		{"main.go", false},
	} {
		t.Run(tc.path, func(t *testing.T) {
			if got := rules.ignored(tc.path); got != tc.ignored {
				t.Errorf("ignored(%q) got %v, want %v", tc.path, got, tc.ignored)
			}
		})
	}
	if !rules.hasExceptions() {
		t.Errorf("hasExceptions() got false, want true (there is a ! line)")
	}
	if _, err := parseDockerignore(strings.NewReader("[abc")); err == nil {
		t.Errorf("parseDockerignore(%q) got nil error, want one", "[abc")
	}
}

func TestResolveSeccomp(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(dir+"/profile.json", []byte("{\n  \"defaultAction\": \"SCMP_ACT_ALLOW\"\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	in := []string{"seccomp=profile.json", "seccomp=unconfined", "no-new-privileges"}
	got, err := resolveSeccomp(in, dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{`seccomp={"defaultAction":"SCMP_ACT_ALLOW"}`, "seccomp=unconfined", "no-new-privileges"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("resolveSeccomp(%v) mismatch (-want +got):\n%s", in, diff)
	}
	if in[0] != "seccomp=profile.json" {
		t.Errorf("resolveSeccomp modified its input: %v", in)
	}
	if _, err := resolveSeccomp([]string{"seccomp=missing.json"}, dir); err == nil {
		t.Errorf("resolveSeccomp(missing file) got nil error, want one")
	}
}

func TestMultiplexed(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want bool
	}{
		{"stdout frame", "\x01\x00\x00\x00\x00\x00\x00\x03hi\n", true},
		{"stderr frame", "\x02\x00\x00\x00\x00\x00\x00\x01x", true},
		{"tty text", "listening on :8080\n", false},
		{"short tty output", "ok\n", false},
		{"empty", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := multiplexed(bufio.NewReader(strings.NewReader(tt.in))); got != tt.want {
				t.Errorf("multiplexed(%q) got %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}
