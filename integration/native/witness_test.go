package native

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/internal/itest"
)

// records returns the project's container records by name.
func (s *stack) records() map[string]record {
	s.t.Helper()
	rs, err := containerRecords(s.project)
	if err != nil {
		s.t.Fatalf("read the state directory: %v", err)
	}
	return rs
}

// ids maps container name to ID, from the records.
func (s *stack) ids() map[string]string {
	s.t.Helper()
	m := map[string]string{}
	for name, r := range s.records() {
		m[name] = r.ID
	}
	return m
}

// name is the container name of a service's first replica.
func (s *stack) name(service string) string { return s.project + "-" + service + "-1" }

// id is the container ID of a service's first replica.
func (s *stack) id(service string) string {
	s.t.Helper()
	r, ok := s.records()[s.name(service)]
	if !ok {
		s.t.Fatalf("no record of container %s in %s", s.name(service), stateRoot)
	}
	return r.ID
}

// running says why the container is not running with a live process, or
// nil: its monitor's state must say running and the kernel must know its
// pid.
func running(id string) error {
	st, err := readMonitorState(id)
	if err != nil {
		return err
	}
	if st.Status != "running" || st.Pid <= 0 {
		return fmt.Errorf("state %q, pid %d", st.Status, st.Pid)
	}
	if _, err := os.Stat(fmt.Sprintf("/proc/%d", st.Pid)); err != nil {
		return fmt.Errorf("state running, but pid %d is gone: %w", st.Pid, err)
	}
	return nil
}

// wantStates waits until the project's containers are exactly the
// services in want (first replicas), each running ("running") or exited
// with the given code ("exited 0"), and fails the test if they do not get
// there. It waits because monitors record a change after it happened: a
// one-shot that up started may still show running with its pid gone.
func (s *stack) wantStates(want map[string]string) {
	s.t.Helper()
	var wanted []string
	for svc, state := range want {
		wanted = append(wanted, s.name(svc)+": "+state)
	}
	sort.Strings(wanted)
	itest.Eventually(s.t, time.Minute, "the containers of "+s.project+" reach their states", func() error {
		got := s.states()
		if !slices.Equal(got, wanted) {
			return fmt.Errorf("records and monitor states:\n  got  %v\n  want %v", got, wanted)
		}
		return nil
	})
}

// states lists "name: state" of the project's containers, sorted.
func (s *stack) states() []string {
	s.t.Helper()
	var got []string
	for name, r := range s.records() {
		st, err := readMonitorState(r.ID)
		state := ""
		switch {
		case err != nil:
			state = "no state: " + err.Error()
		case st.Status == "running":
			state = "running"
			if err := running(r.ID); err != nil {
				state = err.Error()
			}
		case st.Status == "exited":
			state = fmt.Sprintf("exited %d", st.ExitCode)
		default:
			state = st.Status
		}
		got = append(got, name+": "+state)
	}
	sort.Strings(got)
	return got
}

// diagnose logs what the state directory and the kernel say about each of
// the project's containers, for a failure's story.
func (s *stack) diagnose() {
	s.t.Helper()
	k, _ := readKernel()
	recs, err := containerRecords(s.project)
	if err != nil {
		s.t.Logf("diagnose: %v", err)
		return
	}
	var b strings.Builder
	for name, r := range recs {
		dir := containerDir(r.ID)
		state, _ := os.ReadFile(filepath.Join(dir, "state.json"))
		pid, _ := os.ReadFile(filepath.Join(dir, "monitor.pid"))
		merr, _ := os.ReadFile(filepath.Join(dir, "monitor.err"))
		fmt.Fprintf(&b, "\n%s (%s): monitor.pid %q, state.json %s", name, r.ID[:12], strings.TrimSpace(string(pid)), bytes.Join(bytes.Fields(state), nil))
		if len(merr) > 0 {
			fmt.Fprintf(&b, "\n  monitor.err: %s", strings.TrimSpace(string(merr)))
		}
		for _, p := range k.monitors {
			if monitorOf(p, r.ID) {
				fmt.Fprintf(&b, "\n  monitor process %d: %s", p.pid, p.cmdline)
			}
		}
	}
	s.t.Logf("diagnose %s:%s", s.project, b.String())
}

// wantKernel fails the test unless the kernel shows what the project's
// records promise: a bridge per network with its berth: rules, and for
// every running container a veth, its netns file and rootfs mounted, a
// monitor process and a cgroup. It makes the "nothing left"
// checks meaningful: they look for the names found here.
func (s *stack) wantKernel() {
	s.t.Helper()
	k, err := readKernel()
	if err != nil {
		s.t.Fatal(err)
	}
	nets, err := networkRecords(s.project)
	if err != nil {
		s.t.Fatal(err)
	}
	if len(nets) == 0 {
		s.t.Fatalf("no network records of %s", s.project)
	}
	var missing []string
	for _, n := range nets {
		b := bridgeName(n.ID)
		if !slices.Contains(k.links, b) {
			missing = append(missing, "bridge "+b+" of network "+n.Name)
		}
		if !slices.ContainsFunc(k.iptables, func(r string) bool { return hasComment(r, commentOf(b)) }) {
			missing = append(missing, "iptables rule commented "+commentOf(b))
		}
	}
	for name, r := range s.records() {
		if running(r.ID) != nil {
			continue
		}
		if !slices.ContainsFunc(k.links, func(l string) bool { return strings.HasPrefix(l, vethPrefix(r.ID)) }) {
			missing = append(missing, "veth "+vethPrefix(r.ID)+"N of "+name)
		}
		if !slices.Contains(k.mounts, netnsPath(r.ID)) {
			missing = append(missing, "netns mount "+netnsPath(r.ID)+" of "+name)
		}
		if !slices.ContainsFunc(k.mounts, func(m string) bool { return underDir(m, containerDir(r.ID)) }) {
			missing = append(missing, "rootfs mount under "+containerDir(r.ID)+" of "+name)
		}
		if !slices.ContainsFunc(k.monitors, func(p proc) bool { return monitorOf(p, r.ID) }) {
			missing = append(missing, "native-monitor process of "+name)
		}
		if !slices.ContainsFunc(k.cgroupDir, func(d string) bool { return filepath.Base(d) == r.ID }) {
			missing = append(missing, "cgroup berth/"+r.ID+" of "+name)
		}
	}
	if len(missing) > 0 {
		s.t.Fatalf("the kernel lacks what the records of %s promise:\n  %s", s.project, strings.Join(missing, "\n  "))
	}
}

// addrs returns the IPv4 addresses (with their prefix) of the container's
// interfaces other than lo, read inside its network namespace.
func addrs(t *testing.T, id string) []netip.Prefix {
	t.Helper()
	r := command(time.Minute, "nsenter", "--net="+netnsPath(id), "ip", "-j", "-4", "addr", "show")
	if r.code != 0 {
		t.Fatalf("read the addresses of container %s: %v", id[:12], r)
	}
	var links []struct {
		Ifname   string
		AddrInfo []struct {
			Local     string
			Prefixlen int
		} `json:"addr_info"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &links); err != nil {
		t.Fatalf("ip -j addr in container %s: %v", id[:12], err)
	}
	var out []netip.Prefix
	for _, l := range links {
		if l.Ifname == "lo" {
			continue
		}
		for _, a := range l.AddrInfo {
			p, err := netip.ParsePrefix(fmt.Sprintf("%s/%d", a.Local, a.Prefixlen))
			if err != nil {
				t.Fatalf("ip -j addr in container %s: %v", id[:12], err)
			}
			out = append(out, p)
		}
	}
	return out
}

// httpGet is a plain client from the host.
func httpGet(url string) (string, error) {
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET %s: %s: %s", url, resp.Status, body)
	}
	return string(body), nil
}

// wantBody waits until url answers with a body containing every want.
func wantBody(t *testing.T, url string, want ...string) string {
	t.Helper()
	var body string
	itest.Eventually(t, time.Minute, "GET "+url, func() error {
		b, err := httpGet(url)
		if err != nil {
			return err
		}
		for _, w := range want {
			if !strings.Contains(b, w) {
				return fmt.Errorf("body %q lacks %q", b, w)
			}
		}
		body = b
		return nil
	})
	return body
}

// serviceCount counts the project's containers per service label.
func (s *stack) serviceCount() map[string]int {
	s.t.Helper()
	m := map[string]int{}
	for _, r := range s.records() {
		m[r.Labels[engine.LabelService]]++
	}
	return m
}

// plan returns `berth plan --format json`'s container actions by service,
// e.g. {"web": ["recreate"]}.
func (s *stack) plan() map[string][]string {
	s.t.Helper()
	r := s.mustBerth("plan", "--format", "json")
	var p struct {
		Actions []struct {
			Kind   string
			Target struct{ Service string }
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &p); err != nil {
		s.t.Fatalf("plan --format json: %v\n%v", err, r)
	}
	m := map[string][]string{}
	for _, a := range p.Actions {
		if a.Target.Service != "" {
			m[a.Target.Service] = append(m[a.Target.Service], a.Kind)
		}
	}
	return m
}
