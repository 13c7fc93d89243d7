package native

import (
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/native/monitor"
)

func TestHumanStatus(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, tc := range []struct {
		s    status
		want string
	}{
		{status{State: monitor.State{Status: "created"}}, "Created"},
		{status{State: monitor.State{Status: "running", StartedAt: now.Add(-3 * time.Second)}}, "Up 3 seconds"},
		{status{State: monitor.State{Status: "running", StartedAt: now.Add(-time.Minute), Health: "healthy"}}, "Up About a minute (healthy)"},
		{status{State: monitor.State{Status: "running", StartedAt: now, Health: "starting"}}, "Up Less than a second (health: starting)"},
		{status{State: monitor.State{Status: "paused", StartedAt: now.Add(-2 * time.Hour)}}, "Up 2 hours (Paused)"},
		{status{State: monitor.State{Status: "exited", ExitCode: 3, FinishedAt: now.Add(-5 * time.Second)}}, "Exited (3) 5 seconds ago"},
		{status{State: monitor.State{Status: "exited", ExitCode: 137}}, "Exited (137)"},
		{status{State: monitor.State{Status: "restarting", ExitCode: 1, FinishedAt: now.Add(-time.Second)}}, "Restarting (1) 1 second ago"},
	} {
		if got := humanStatus(tc.s, now); got != tc.want {
			t.Errorf("humanStatus(%+v) = %q, want %q", tc.s.State, got, tc.want)
		}
	}
}

func TestRestartPolicy(t *testing.T) {
	three := uint64(3)
	for _, tc := range []struct {
		s    types.ServiceConfig
		want string
	}{
		{types.ServiceConfig{}, "no"},
		{types.ServiceConfig{Restart: "always"}, "always"},
		{types.ServiceConfig{Restart: "on-failure:2"}, "on-failure:2"},
		{types.ServiceConfig{Restart: "always", Deploy: &types.DeployConfig{RestartPolicy: &types.RestartPolicy{Condition: "none"}}}, "no"},
		{types.ServiceConfig{Deploy: &types.DeployConfig{RestartPolicy: &types.RestartPolicy{Condition: "any"}}}, "always"},
		{types.ServiceConfig{Deploy: &types.DeployConfig{RestartPolicy: &types.RestartPolicy{Condition: "on-failure", MaxAttempts: &three}}}, "on-failure:3"},
	} {
		if got := restartPolicy(tc.s); got != tc.want {
			t.Errorf("restartPolicy(restart %q, deploy %+v) = %q, want %q", tc.s.Restart, tc.s.Deploy, got, tc.want)
		}
	}
}

func TestHealthcheck(t *testing.T) {
	sec := types.Duration(time.Second)
	img := &v1.HealthConfig{Test: []string{"CMD", "probe"}, Interval: 5 * time.Second, Retries: 2}
	if got := healthcheck(nil, nil); got != nil {
		t.Errorf("no healthcheck: got %+v", got)
	}
	if got := healthcheck(&types.HealthCheckConfig{Disable: true}, img); got != nil {
		t.Errorf("disabled: got %+v", got)
	}
	got := healthcheck(&types.HealthCheckConfig{Interval: &sec}, img)
	if got == nil || !slices.Equal(got.Test, img.Test) || *got.Interval != sec || *got.Retries != 2 {
		t.Errorf("service over image: got %+v, want the image's test and retries with the service's interval", got)
	}
	if got := healthcheck(&types.HealthCheckConfig{Test: []string{"NONE"}}, img); got != nil {
		t.Errorf("test NONE: got %+v", got)
	}
}

func TestAllocate(t *testing.T) {
	n := &network{ID: "n1", Name: "p_default", Subnet: netip.MustParsePrefix("10.199.3.0/24"), Gateway: netip.MustParseAddr("10.199.3.1")}
	other := &container{Name: "a", Networks: []attachment{{NetworkID: "n1", Addr: netip.MustParsePrefix("10.199.3.2/24")}}}
	c := &container{Name: "b", Networks: []attachment{{NetworkID: "n0", Index: 0}}}
	a, err := allocate(c, n, engineAttachment(""), []*container{other, c})
	if err != nil {
		t.Fatal(err)
	}
	if a.Addr != netip.MustParsePrefix("10.199.3.3/24") || a.Index != 1 || a.MAC != "02:42:0a:c7:03:03" {
		t.Errorf("allocate got %+v, want 10.199.3.3/24 on eth1 with MAC 02:42:0a:c7:03:03", a)
	}
	if _, err := allocate(c, n, engineAttachment("10.199.3.2"), []*container{other, c}); err == nil {
		t.Error("allocate of a taken ipv4_address succeeded")
	}
	if _, err := allocate(c, n, engineAttachment("10.199.4.2"), nil); err == nil {
		t.Error("allocate of an address outside the subnet succeeded")
	}
	small := &network{ID: "n2", Subnet: netip.MustParsePrefix("10.0.0.0/30"), Gateway: netip.MustParseAddr("10.0.0.1")}
	full := &container{Networks: []attachment{{NetworkID: "n2", Addr: netip.MustParsePrefix("10.0.0.2/30")}}}
	if _, err := allocate(&container{}, small, engineAttachment(""), []*container{full}); err == nil {
		t.Error("allocate in a full /30 succeeded")
	}
}

func TestPortRange(t *testing.T) {
	for _, tc := range []struct {
		in     string
		lo, hi uint16
		bad    bool
	}{
		{"", 0, 0, false}, {"8080", 8080, 8080, false}, {"8000-8010", 8000, 8010, false},
		{"8010-8000", 0, 0, true}, {"x", 0, 0, true}, {"70000", 0, 0, true},
	} {
		lo, hi, err := portRange(tc.in)
		if (err != nil) != tc.bad || lo != tc.lo || hi != tc.hi {
			t.Errorf("portRange(%q) = %d, %d, %v; want %d, %d, error %v", tc.in, lo, hi, err, tc.lo, tc.hi, tc.bad)
		}
	}
}

func TestCommand(t *testing.T) {
	img := v1.Config{Entrypoint: []string{"/e"}, Cmd: []string{"c"}}
	for _, tc := range []struct {
		s    types.ServiceConfig
		want []string
	}{
		{types.ServiceConfig{}, []string{"/e", "c"}},
		{types.ServiceConfig{Command: []string{"x"}}, []string{"/e", "x"}},
		{types.ServiceConfig{Entrypoint: []string{"/sh"}}, []string{"/sh"}},
		{types.ServiceConfig{Entrypoint: []string{"/sh"}, Command: []string{"-c", "y"}}, []string{"/sh", "-c", "y"}},
	} {
		if got := command(tc.s, img); !slices.Equal(got, tc.want) {
			t.Errorf("command(%+v) = %q, want %q", tc.s, got, tc.want)
		}
	}
}

// TestResolveIn: links resolve inside the container's root, whatever
// they point at.
func TestResolveIn(t *testing.T) {
	root := t.TempDir()
	for _, d := range []string{"real/sub", "etc"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for link, target := range map[string]string{"abs": "/real", "rel": "real/sub", "escape": "../../../../etc", "loop": "/loop"} {
		if err := os.Symlink(target, filepath.Join(root, link)); err != nil {
			t.Fatal(err)
		}
	}
	where := func(p string) (string, string) { return root, p }
	for _, tc := range []struct{ in, want string }{
		{"/abs/sub", "/real/sub"},
		{"/rel/x", "/real/sub/x"},
		{"/escape/passwd", "/etc/passwd"},
		{"/real/../abs", "/real"},
	} {
		got, err := resolveIn(tc.in, where)
		if err != nil || got != tc.want {
			t.Errorf("resolveIn(%s) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	if _, err := resolveIn("/loop/x", where); err == nil {
		t.Error("resolveIn of a link loop succeeded")
	}
}

func engineAttachment(ip string) engine.NetworkAttachment {
	return engine.NetworkAttachment{Network: "p_default", IPv4Address: ip}
}

// TestObserveStartingMonitor: a monitor that holds the lock but has not
// written a state yet is alive, so that no second monitor is started
// beside it; its pid is not trusted unless it is a monitor of the
// container.
func TestObserveStartingMonitor(t *testing.T) {
	e := &Engine{root: t.TempDir()}
	c := &container{ID: "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", Name: "c"}
	dir := e.containerDir(c.ID)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	s, err := e.observe(c)
	if err != nil {
		t.Fatal(err)
	}
	if s.Status != "created" || s.MonitorAlive {
		t.Errorf("without a monitor: %s, monitor alive %v; want created, no monitor", s.Status, s.MonitorAlive)
	}
	lock, err := monitor.Lock(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	if s, err = e.observe(c); err != nil {
		t.Fatal(err)
	}
	if s.Status != "created" || !s.MonitorAlive {
		t.Errorf("with a monitor starting: %s, monitor alive %v; want created, monitor alive", s.Status, s.MonitorAlive)
	}
	// A pid that is not a monitor of dir (this test's) is not trusted.
	if err := os.WriteFile(filepath.Join(dir, monitor.MonitorPidFile), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		t.Fatal(err)
	}
	if pid, alive := monitor.MonitorProc(dir); pid != 0 || !alive {
		t.Errorf("monitorProc = %d, %v; want 0, true", pid, alive)
	}
}
