package native

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/berth-dev/berth/engine"
)

// record is the part of a container, network or volume record (the
// engine's JSON files under BERTH_ROOT) that names the object and its
// project.
type record struct {
	ID     string
	Name   string
	Labels map[string]string
}

// containerRecords reads the records of the project's containers, keyed by
// name.
func containerRecords(project string) (map[string]record, error) {
	out := map[string]record{}
	entries, err := os.ReadDir(filepath.Join(stateRoot, "containers"))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	for _, e := range entries {
		var r record
		if err := readJSON(filepath.Join(stateRoot, "containers", e.Name(), "container.json"), &r); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue // being created or removed
			}
			return nil, err
		}
		if r.Labels[engine.LabelProject] == project {
			out[r.Name] = r
		}
	}
	return out, nil
}

// networkRecords reads the records of the project's networks.
func networkRecords(project string) ([]record, error) {
	var out []record
	matches, _ := filepath.Glob(filepath.Join(stateRoot, "networks", "*.json"))
	for _, m := range matches {
		var r record
		if err := readJSON(m, &r); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			return nil, err
		}
		if r.Labels[engine.LabelProject] == project {
			out = append(out, r)
		}
	}
	return out, nil
}

// volumeRecords reads the names of the project's volumes.
func volumeRecords(project string) ([]string, error) {
	var out []string
	matches, _ := filepath.Glob(filepath.Join(stateRoot, "volumes", "*", "volume.json"))
	for _, m := range matches {
		var r record
		if err := readJSON(m, &r); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			return nil, err
		}
		if r.Labels[engine.LabelProject] == project {
			out = append(out, r.Name)
		}
	}
	return out, nil
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// monitorState is the part of a container's state.json, written by its
// monitor, that the tests read.
type monitorState struct {
	Status       string
	Pid          int
	MonitorPid   int
	RestartCount int
	ExitCode     int
	Health       string
}

func readMonitorState(id string) (monitorState, error) {
	var st monitorState
	err := readJSON(filepath.Join(stateRoot, "containers", id, "state.json"), &st)
	return st, err
}

// trace is every container and network of one project the test has seen
// in the state directory: the names of the kernel objects they own follow
// from their IDs (NATIVE.md), so a leftover can be found even after its
// record is gone.
type trace struct {
	project    string
	mu         sync.Mutex
	containers map[string]string // id -> name
	networks   map[string]string // id -> name
	volumes    map[string]bool
}

func newTrace(project string) *trace {
	return &trace{project: project, containers: map[string]string{}, networks: map[string]string{}, volumes: map[string]bool{}}
}

// observe adds what the state directory holds of the project now.
func (s *stack) observe() {
	s.t.Helper()
	if err := s.trace.observe(); err != nil {
		s.t.Errorf("read the state directory: %v", err)
	}
}

func (tr *trace) observe() error {
	cs, err := containerRecords(tr.project)
	if err != nil {
		return err
	}
	ns, err := networkRecords(tr.project)
	if err != nil {
		return err
	}
	vs, err := volumeRecords(tr.project)
	if err != nil {
		return err
	}
	tr.mu.Lock()
	defer tr.mu.Unlock()
	for _, c := range cs {
		tr.containers[c.ID] = c.Name
	}
	for _, n := range ns {
		tr.networks[n.ID] = n.Name
	}
	for _, v := range vs {
		tr.volumes[v] = true
	}
	return nil
}

// kernel is one reading of the kernel objects the tests look for.
type kernel struct {
	links     []string // interface names in the host's netns
	mounts    []string // mount points
	monitors  []proc   // processes running native-monitor
	iptables  []string // rules (iptables-save lines, both backends) commented berth:
	runc      []string // containers runc knows under the state directory
	cgroupDir []string // cgroups named /berth/<id>, under any hierarchy
}

type proc struct {
	pid     int
	cmdline string
}

// readKernel asks the kernel (and runc, for its own state) what is there.
func readKernel() (kernel, error) {
	var k kernel
	out, err := exec.Command("ip", "-j", "link", "show").Output()
	if err != nil {
		return k, fmt.Errorf("ip -j link show: %w", err)
	}
	var links []struct{ Ifname string }
	if err := json.Unmarshal(out, &links); err != nil {
		return k, fmt.Errorf("ip -j link show: %w", err)
	}
	for _, l := range links {
		k.links = append(k.links, l.Ifname)
	}
	mountinfo, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return k, err
	}
	for _, line := range strings.Split(string(mountinfo), "\n") {
		if f := strings.Fields(line); len(f) > 4 {
			k.mounts = append(k.mounts, unescapeMount(f[4]))
		}
	}
	k.monitors = monitorProcs()
	for _, save := range []string{"iptables-save", "iptables-legacy-save"} {
		if _, err := exec.LookPath(save); err != nil {
			continue
		}
		out, err := exec.Command(save).Output()
		if err != nil {
			return k, fmt.Errorf("%s: %w", save, err)
		}
		table := ""
		for _, line := range strings.Split(string(out), "\n") {
			if t, ok := strings.CutPrefix(line, "*"); ok {
				table = t
			}
			if strings.Contains(line, "berth:") {
				// iptables quotes comments; berth's have no spaces.
				line = strings.ReplaceAll(line, `"`, "")
				k.iptables = append(k.iptables, save+" "+table+" "+line)
			}
		}
	}
	out, err = exec.Command("runc", "--root", filepath.Join(stateRoot, "runc"), "list", "-q").Output()
	if err == nil {
		k.runc = strings.Fields(string(out))
	}
	v1, _ := filepath.Glob("/sys/fs/cgroup/*/berth/*")
	v2, _ := filepath.Glob("/sys/fs/cgroup/berth/*")
	for _, d := range append(v1, v2...) {
		if st, err := os.Stat(d); err == nil && st.IsDir() {
			k.cgroupDir = append(k.cgroupDir, d)
		}
	}
	return k, nil
}

// unescapeMount undoes mountinfo's octal escapes (\040 for a space).
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// monitorProcs lists the processes whose command line runs native-monitor.
func monitorProcs() []proc {
	var out []proc
	dirs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, d := range dirs {
		b, err := os.ReadFile(d)
		if err != nil || len(b) == 0 {
			continue
		}
		args := strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")
		if !slices.Contains(args, "native-monitor") {
			continue
		}
		pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(d)))
		out = append(out, proc{pid: pid, cmdline: strings.Join(args, " ")})
	}
	return out
}

// bridgeName and vethPrefix are the kernel names NATIVE.md gives a
// network's bridge and a container's host-side veths.
func bridgeName(netID string) string { return "br-" + netID[:12] }
func vethPrefix(ctrID string) string { return "vb" + ctrID[:10] }
func containerDir(id string) string  { return filepath.Join(stateRoot, "containers", id) }
func netnsPath(id string) string     { return filepath.Join(stateRoot, "netns", id) }
func volumeDir(name string) string   { return filepath.Join(stateRoot, "volumes", name) }
func underDir(path, dir string) bool { return path == dir || strings.HasPrefix(path, dir+"/") }
func commentOf(bridge string) string { return "berth:" + bridge }
func hasComment(rule, c string) bool {
	return strings.Contains(rule, "--comment "+c+" ") || strings.HasSuffix(rule, "--comment "+c)
}
func monitorOf(p proc, id string) bool { return strings.Contains(p.cmdline, id) }

// leftovers lists what the traced project still has: records, links,
// mounts, netns files, monitors, runc containers, cgroups, iptables rules
// and volumes.
func (tr *trace) leftovers() []string {
	if err := tr.observe(); err != nil {
		return []string{"unreadable state directory: " + err.Error()}
	}
	k, err := readKernel()
	if err != nil {
		return []string{"unreadable kernel state: " + err.Error()}
	}
	tr.mu.Lock()
	defer tr.mu.Unlock()
	var left []string
	for id, name := range tr.containers {
		what := fmt.Sprintf("container %s (%s)", name, id[:12])
		if _, err := os.Stat(containerDir(id)); err == nil {
			left = append(left, what+": directory "+containerDir(id))
		}
		if _, err := os.Lstat(netnsPath(id)); err == nil {
			left = append(left, what+": netns file "+netnsPath(id))
		}
		for _, l := range k.links {
			if strings.HasPrefix(l, vethPrefix(id)) {
				left = append(left, what+": link "+l)
			}
		}
		for _, m := range k.mounts {
			if underDir(m, containerDir(id)) || m == netnsPath(id) {
				left = append(left, what+": mount "+m)
			}
		}
		for _, p := range k.monitors {
			if monitorOf(p, id) {
				left = append(left, fmt.Sprintf("%s: monitor process %d: %s", what, p.pid, p.cmdline))
			}
		}
		if slices.Contains(k.runc, id) {
			left = append(left, what+": runc container")
		}
		for _, d := range k.cgroupDir {
			if filepath.Base(d) == id {
				left = append(left, what+": cgroup "+d)
			}
		}
	}
	for id, name := range tr.networks {
		what := fmt.Sprintf("network %s (%s)", name, bridgeName(id))
		if _, err := os.Stat(filepath.Join(stateRoot, "networks", id+".json")); err == nil {
			left = append(left, what+": record")
		}
		if slices.Contains(k.links, bridgeName(id)) {
			left = append(left, what+": link "+bridgeName(id))
		}
		for _, r := range k.iptables {
			if hasComment(r, commentOf(bridgeName(id))) {
				left = append(left, what+": rule "+r)
			}
		}
	}
	for name := range tr.volumes {
		if _, err := os.Stat(volumeDir(name)); err == nil {
			left = append(left, "volume "+name+": directory "+volumeDir(name))
		}
	}
	sort.Strings(left)
	return left
}

// sweep removes by force what leftovers lists, so that a broken berth
// leaves nothing on the machine; it logs what it could not remove.
func (tr *trace) sweep(t *testing.T) {
	tr.mu.Lock()
	ids := make([]string, 0, len(tr.containers))
	for id := range tr.containers {
		ids = append(ids, id)
	}
	nets := make([]string, 0, len(tr.networks))
	for id := range tr.networks {
		nets = append(nets, id)
	}
	vols := make([]string, 0, len(tr.volumes))
	for v := range tr.volumes {
		vols = append(vols, v)
	}
	tr.mu.Unlock()
	for _, err := range sweep(ids, nets) {
		t.Logf("sweep: %v", err)
	}
	for _, v := range vols {
		if err := os.RemoveAll(volumeDir(v)); err != nil {
			t.Logf("sweep: %v", err)
		}
	}
}

// sweep kills the monitors and runc containers of ids, unmounts their
// mounts, deletes their veths, cgroups and directories, then the bridges
// of the networks netIDs, every iptables rule commented berth:<bridge> and
// the networks' records.
func sweep(ids, netIDs []string) []error {
	var errs []error
	k, err := readKernel()
	if err != nil {
		return []error{err}
	}
	run := func(name string, args ...string) {
		if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
			errs = append(errs, fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(string(out))))
		}
	}
	runcRoot := filepath.Join(stateRoot, "runc")
	for _, id := range ids {
		// Monitors first, or they would restart what runc kills.
		for _, p := range k.monitors {
			if monitorOf(p, id) {
				_ = syscall.Kill(p.pid, syscall.SIGKILL)
			}
		}
		if slices.Contains(k.runc, id) {
			run("runc", "--root", runcRoot, "delete", "--force", id)
		}
		for _, m := range slices.Backward(k.mounts) { // innermost first
			if underDir(m, containerDir(id)) || m == netnsPath(id) {
				run("umount", "-l", m)
			}
		}
		for _, l := range k.links {
			if strings.HasPrefix(l, vethPrefix(id)) {
				run("ip", "link", "delete", l)
			}
		}
		for _, d := range k.cgroupDir {
			if filepath.Base(d) == id {
				// A cgroup is removable once its processes are gone.
				for i := 0; i < 20 && os.Remove(d) != nil; i++ {
					time.Sleep(100 * time.Millisecond)
				}
			}
		}
		_ = os.Remove(netnsPath(id))
		if err := os.RemoveAll(containerDir(id)); err != nil {
			errs = append(errs, err)
		}
	}
	for _, netID := range netIDs {
		b := bridgeName(netID)
		if slices.Contains(k.links, b) {
			run("ip", "link", "delete", b)
		}
		for _, r := range k.iptables {
			if !hasComment(r, commentOf(b)) {
				continue
			}
			// "iptables-save nat -A CHAIN spec..." → "iptables -t nat -D CHAIN spec..."
			f := strings.Fields(r)
			if len(f) < 4 || f[2] != "-A" {
				continue
			}
			bin := strings.TrimSuffix(f[0], "-save")
			run(bin, append([]string{"-t", f[1], "-D"}, f[3:]...)...)
		}
		_ = os.Remove(filepath.Join(stateRoot, "networks", netID+".json"))
	}
	return errs
}

// rootLeftovers lists what the package's state directory still holds once
// every test has run: containers, network and volume records, netns files,
// mounts, monitors and runc containers.
func rootLeftovers() []string {
	var left []string
	for _, d := range []string{"containers", "netns", "networks", "volumes"} {
		entries, _ := os.ReadDir(filepath.Join(stateRoot, d))
		for _, e := range entries {
			if !strings.HasPrefix(e.Name(), ".") && e.Name() != "lock" {
				left = append(left, filepath.Join(d, e.Name()))
			}
		}
	}
	k, err := readKernel()
	if err != nil {
		return append(left, err.Error())
	}
	for _, m := range k.mounts {
		if underDir(m, stateRoot) {
			left = append(left, "mount "+m)
		}
	}
	for _, p := range k.monitors {
		if strings.Contains(p.cmdline, stateRoot) {
			left = append(left, fmt.Sprintf("monitor process %d: %s", p.pid, p.cmdline))
		}
	}
	for _, id := range k.runc {
		left = append(left, "runc container "+id)
	}
	return left
}

// sweepRoot removes by force every container and network the state
// directory still names, then unmounts whatever is mounted below it.
func sweepRoot() {
	var ids, netIDs []string
	entries, _ := os.ReadDir(filepath.Join(stateRoot, "containers"))
	for _, e := range entries {
		if len(e.Name()) == 64 {
			ids = append(ids, e.Name())
		}
	}
	k, _ := readKernel()
	ids = append(ids, k.runc...)
	nets, _ := filepath.Glob(filepath.Join(stateRoot, "networks", "*.json"))
	for _, n := range nets {
		if id := strings.TrimSuffix(filepath.Base(n), ".json"); len(id) == 64 {
			netIDs = append(netIDs, id)
		}
	}
	for _, p := range k.monitors {
		if strings.Contains(p.cmdline, stateRoot) {
			_ = syscall.Kill(p.pid, syscall.SIGKILL)
		}
	}
	for _, err := range sweep(ids, netIDs) {
		fmt.Fprintf(os.Stderr, "integration/native: sweep: %v\n", err)
	}
	k, _ = readKernel()
	for _, m := range slices.Backward(k.mounts) {
		if underDir(m, stateRoot) {
			_ = exec.Command("umount", "-l", m).Run()
		}
	}
}
