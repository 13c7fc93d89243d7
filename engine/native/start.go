package native

import (
	"bytes"
	"context"
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
	"syscall"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sync/errgroup"
	"golang.org/x/sys/unix"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/native/monitor"
	"github.com/berth-dev/berth/engine/native/netctl"
	"github.com/berth-dev/berth/engine/native/ocispec"
	"github.com/berth-dev/berth/engine/native/overlay"
)

// startWait bounds how long StartContainer waits for a monitor to report
// the container running: runc run takes milliseconds, but a
// first start unpacks the image's layers.
const startWait = 2 * time.Minute

// StartContainer mounts the container's root, sets up its network, writes
// its bundle and starts its monitor, and returns once the monitor reports
// the container running (or already exited). A running container is left
// alone, and so is one a live monitor is starting (a berth killed during
// its start, or another berth, started that monitor): this waits for it.
func (e *Engine) StartContainer(ctx context.Context, ref string) error {
	c, err := e.lookup(ref)
	if err != nil {
		return fmt.Errorf("start container %s: %w", ref, err)
	}
	op := "start container " + c.Name
	if started, err := e.awaitLive(ctx, c); started || err != nil {
		if err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		return nil
	}
	s, err := e.observe(c)
	if err != nil {
		return err
	}
	if s.running() && !s.MonitorAlive {
		// Orphaned by a monitor that died: the container is restarted
		// under a new one rather than left unwatched.
		e.killOrphan(ctx, c, s)
	}
	if err := e.prepare(ctx, c); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if err := e.launch(ctx, c, nil); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return nil
}

// awaitLive waits on the container's live monitor, if it has one: true
// once that monitor reports the container running, false (at once, or
// when that monitor ends without running it) when a new monitor is needed.
func (e *Engine) awaitLive(ctx context.Context, c *container) (bool, error) {
	dir := e.containerDir(c.ID)
	ctx, cancel := context.WithTimeout(ctx, startWait)
	defer cancel()
	t := time.NewTicker(pollInterval)
	defer t.Stop()
	for {
		pid, alive := monitor.MonitorProc(dir)
		if !alive {
			return false, nil
		}
		if st, err := monitor.ReadState(dir); err == nil && pid > 0 && st.MonitorPid == pid && startedState(st) {
			return true, nil
		}
		select {
		case <-ctx.Done():
			return false, fmt.Errorf("its monitor (pid %d) did not report it running within %s: stop or remove it: %w", pid, startWait, ctx.Err())
		case <-t.C:
		}
	}
}

// startedState is whether a monitor's state says the container started.
func startedState(st monitor.State) bool {
	switch st.Status {
	case "running", "restarting", "paused":
		return true
	}
	return false
}

// prepare makes everything the container runs with: root, network,
// files, bundle, monitor config. Each step is idempotent.
func (e *Engine) prepare(ctx context.Context, c *container) error {
	dir := e.containerDir(c.ID)
	img, err := e.store.Inspect(ctx, c.ImageID)
	if err != nil {
		return err
	}
	// The root and the network need nothing of each other, and each waits
	// on the kernel: mounted meanwhile, they take one wait off every
	// start's critical path.
	type mounted struct {
		path string
		err  error
	}
	rootc := make(chan mounted, 1)
	go func() {
		p, err := e.mountRootfs(ctx, c)
		rootc <- mounted{p, err}
	}()
	ns, nsDir, err := e.networkSide(ctx, c)
	root := <-rootc
	if err := errors.Join(root.err, err); err != nil {
		return err
	}
	rootfs := root.path
	mounts := slices.Clone(c.Mounts)
	for _, f := range []string{"hosts", "resolv.conf", "hostname"} {
		dst := "/etc/" + f
		if slices.ContainsFunc(mounts, func(m specs.Mount) bool { return m.Destination == dst }) {
			continue
		}
		mounts = append(mounts, specs.Mount{Destination: dst, Type: "bind", Source: filepath.Join(nsDir, f), Options: []string{"rbind", "rprivate"}})
	}
	spec, err := ocispec.Build(ocispec.Input{
		Service:     c.Service,
		Image:       img.Config,
		Rootfs:      rootfs,
		Namespaces:  ns,
		Hostname:    c.Hostname,
		Mounts:      mounts,
		CgroupsPath: monitor.CgroupPath(c.ID),
		Terminal:    c.Service.Tty,
		Init:        ocispec.FindInit(),
		ProjectDir:  c.Labels[engine.LabelWorkingDir],
	})
	if err != nil {
		return err // it names the service
	}
	if err := writeJSON(filepath.Join(dir, "config.json"), spec); err != nil {
		return err
	}
	return writeJSON(filepath.Join(dir, "monitor.json"), monitor.Config{
		ID:       c.ID,
		Bundle:   dir,
		RuncRoot: e.runc.Root,
		Runc:     e.runc.Path,
		Restart:  restartPolicy(c.Service),
		Health:   monitorHealth(healthcheck(c.Service.HealthCheck, img.Config.Healthcheck)),
		Tty:      c.Service.Tty,
		Stdin:    c.Service.StdinOpen,
		LogPath:  filepath.Join(dir, "ctr.log"),
		Berth:    e.berth,
	})
}

// networkSide is the part of prepare the network needs: the namespaces,
// the network namespace and its interfaces, and the files that name them.
func (e *Engine) networkSide(ctx context.Context, c *container) (map[specs.LinuxNamespaceType]string, string, error) {
	ns, nsDir, err := e.namespaces(c)
	if err != nil {
		return nil, "", err
	}
	if err := e.setupNetwork(ctx, c); err != nil {
		return nil, "", err
	}
	if nsDir == e.containerDir(c.ID) {
		if err := e.writeNetFiles(c); err != nil {
			return nil, "", err
		}
	}
	return ns, nsDir, nil
}

// launch starts a monitor for the prepared container and waits for it to
// report the container started. The monitor inherits the container's
// monitor lock, taken here, as its fd 3 (see monitorproc.Main); watch, when set,
// is handed to it as fd 4 (see StartWatcher).
func (e *Engine) launch(ctx context.Context, c *container, watch *os.File) error {
	dir := e.containerDir(c.ID)
	lock, err := monitor.Lock(dir)
	if errors.Is(err, monitor.ErrLocked) {
		// Another berth started a monitor for it since StartContainer
		// looked: that one starts it.
		if started, err := e.awaitLive(ctx, c); started || err != nil {
			return err
		}
		return fmt.Errorf("its monitor, started by another berth, ended without starting it: start it again")
	}
	if err != nil {
		return err
	}
	// Closed again below, once the monitor holds the lock through its
	// own copy; this is for the returns before.
	defer lock.Close()
	if err := os.Remove(filepath.Join(dir, "stop")); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if e.runc.Has(c.ID) {
		// The previous run's container, stopped: runc refuses to create
		// one of the same ID while it is there.
		if err := e.runc.Delete(ctx, c.ID, true); err != nil {
			return err
		}
	}
	// Watched before the monitor starts, so that no state it writes goes
	// unseen.
	changed, unwatch := stateChanges(dir)
	defer unwatch()
	errPath := filepath.Join(dir, "monitor.err")
	errFile, err := os.OpenFile(errPath, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	cmd := exec.Command(e.exe, MonitorCommand, dir)
	cmd.Dir = "/"
	cmd.Stderr = errFile
	// One P: a monitor mostly waits, and each P holds caches of its own.
	cmd.Env = append(cmd.Environ(), "GOMAXPROCS=1")
	// A session of its own: the terminal's Ctrl-C and berth's exit do not
	// reach it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	cmd.ExtraFiles = []*os.File{lock}
	if watch != nil {
		cmd.ExtraFiles = append(cmd.ExtraFiles, watch)
	}
	err = cmd.Start()
	errFile.Close()
	lock.Close()
	if err != nil {
		return fmt.Errorf("start its monitor %s: %w", e.exe, err)
	}
	pid := cmd.Process.Pid
	// Reaped while berth lives; after, init adopts it.
	exited := e.reaper.reapOnExit(cmd)
	ctx, cancel := context.WithTimeout(ctx, startWait)
	defer cancel()
	// The state file's changes wake the wait; the poll is a fallback,
	// slow when they do.
	poll := pollInterval / 4
	if changed != nil {
		poll = 5 * pollInterval
	}
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		st, err := monitor.ReadState(dir)
		if err == nil && st.MonitorPid == pid {
			if startedState(st) {
				return nil
			}
			if st.Status == "exited" {
				if st.Error != "" {
					return fmt.Errorf("the container did not start: %s", st.Error)
				}
				return nil
			}
		}
		select {
		case <-exited:
			if st, err := monitor.ReadState(dir); err == nil && st.MonitorPid == pid && st.Status == "exited" && st.Error == "" {
				return nil
			}
			return monitorFailed(dir)
		case <-ctx.Done():
			return fmt.Errorf("its monitor did not report it running within %s (see %s): %w", startWait, errPath, ctx.Err())
		case <-changed:
		case <-t.C:
		}
	}
}

// monitorFailed explains a monitor that exited before the container ran:
// its state's error and the tail of its stderr.
func monitorFailed(dir string) error {
	var why []string
	if st, err := monitor.ReadState(dir); err == nil && st.Error != "" {
		why = append(why, st.Error)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "monitor.err")); err == nil {
		b = bytes.TrimSpace(b)
		if len(b) > 2000 {
			b = b[len(b)-2000:]
		}
		if len(b) > 0 {
			why = append(why, string(b))
		}
	}
	if len(why) == 0 {
		why = append(why, "no message")
	}
	return fmt.Errorf("the container did not start: %s", strings.Join(why, ": "))
}

// mountRootfs mounts the overlay of the image's layers and the
// container's upper directory at dir/rootfs, unless it is mounted.
func (e *Engine) mountRootfs(ctx context.Context, c *container) (string, error) {
	dir := e.containerDir(c.ID)
	rootfs := filepath.Join(dir, "rootfs")
	if isMountpoint(rootfs) {
		return rootfs, nil
	}
	layers, err := e.store.Layers(ctx, c.ImageID)
	if err != nil {
		return "", err
	}
	initDir, err := e.initLayer()
	if err != nil {
		return "", err
	}
	// Topmost first; the init layer also gives an image without layers
	// the lower layer overlayfs needs.
	lower := make([]string, 0, len(layers)+1)
	lower = append(lower, initDir)
	for i := len(layers) - 1; i >= 0; i-- {
		lower = append(lower, layers[i])
	}
	for _, d := range []string{rootfs, filepath.Join(dir, "upper"), filepath.Join(dir, "work")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return "", err
		}
	}
	err = overlay.Mount(rootfs, overlay.Layers{Lower: lower, Upper: filepath.Join(dir, "upper"), Work: filepath.Join(dir, "work")})
	if errors.Is(err, overlay.ErrTooMany) {
		return "", fmt.Errorf("image %s: %w: flatten it (docker export | docker import)", c.Image, err)
	}
	if err != nil {
		return "", fmt.Errorf("mount the root of container %s: %w", c.Name, err)
	}
	return rootfs, nil
}

// isMountpoint is whether path is mounted on: its device differs from its
// parent's.
func isMountpoint(path string) bool {
	var st, parent unix.Stat_t
	if unix.Lstat(path, &st) != nil || unix.Lstat(filepath.Dir(path), &parent) != nil {
		return false
	}
	return st.Dev != parent.Dev
}

// namespaces says which namespaces the container gets: new ones, or
// another container's (network_mode, pid, ipc: container:ID), or none
// (host). dir is the container whose hosts and resolv.conf it uses.
func (e *Engine) namespaces(c *container) (map[specs.LinuxNamespaceType]string, string, error) {
	ns := map[specs.LinuxNamespaceType]string{
		specs.MountNamespace: "",
		specs.PIDNamespace:   "",
		specs.UTSNamespace:   "",
		specs.IPCNamespace:   "",
	}
	dir := e.containerDir(c.ID)
	switch mode := c.NetworkMode; {
	case mode == "host":
		delete(ns, specs.UTSNamespace)
	case strings.HasPrefix(mode, types.NetworkModeContainerPrefix):
		target := strings.TrimPrefix(mode, types.NetworkModeContainerPrefix)
		t, err := e.readContainer(target)
		if err != nil {
			return nil, "", fmt.Errorf("network_mode: %w", err)
		}
		if t.NetworkMode == "host" {
			delete(ns, specs.UTSNamespace)
		} else {
			ns[specs.NetworkNamespace] = e.netnsPath(t.ID)
		}
		dir = e.containerDir(t.ID)
	default:
		ns[specs.NetworkNamespace] = e.netnsPath(c.ID)
	}
	for _, k := range []struct {
		typ  specs.LinuxNamespaceType
		mode string
	}{{specs.PIDNamespace, c.Service.Pid}, {specs.IPCNamespace, c.Service.Ipc}, {specs.UTSNamespace, c.Service.Uts}} {
		switch {
		case k.mode == "" || k.mode == "private" || k.mode == "shareable":
		case k.mode == "host":
			delete(ns, k.typ)
		case strings.HasPrefix(k.mode, types.ContainerPrefix):
			t, err := e.lookup(strings.TrimPrefix(k.mode, types.ContainerPrefix))
			if err != nil {
				return nil, "", fmt.Errorf("%s: %w", k.typ, err)
			}
			st, err := e.observe(t)
			if err != nil {
				return nil, "", err
			}
			if !st.running() || st.Pid == 0 {
				return nil, "", fmt.Errorf("%s: container %s is not running: %w", k.typ, t.Name, engine.ErrConflict)
			}
			ns[k.typ] = fmt.Sprintf("/proc/%d/ns/%s", st.Pid, nsFile(k.typ))
		default:
			return nil, "", fmt.Errorf("%s mode %q is %w on the native engine", k.typ, k.mode, engine.ErrUnsupported)
		}
	}
	if privateCgroupNS(c.Service.Cgroup, e.cgroup2) {
		ns[specs.CgroupNamespace] = ""
	}
	return ns, dir, nil
}

func nsFile(t specs.LinuxNamespaceType) string {
	switch t {
	case specs.PIDNamespace:
		return "pid"
	case specs.IPCNamespace:
		return "ipc"
	case specs.UTSNamespace:
		return "uts"
	}
	return string(t)
}

// setupNetwork creates the container's network namespace and its
// interfaces, for network modes that have their own.
func (e *Engine) setupNetwork(ctx context.Context, c *container) error {
	switch c.NetworkMode {
	case "bridge", "none":
	default:
		return nil
	}
	if err := netctl.CreateNetns(e.netnsPath(c.ID)); err != nil {
		return err
	}
	// Each interface has names of its own: they are made at once.
	var g errgroup.Group
	for _, a := range c.Networks {
		g.Go(func() error {
			n, err := e.findNetwork(a.NetworkID)
			if err != nil {
				return fmt.Errorf("network %s: %w", a.Network, err)
			}
			if err := e.attach(ctx, c, n, a); err != nil {
				return fmt.Errorf("network %s: %w", a.Network, err)
			}
			return nil
		})
	}
	return g.Wait()
}

// writeNetFiles writes the container's hosts, resolv.conf and hostname.
func (e *Engine) writeNetFiles(c *container) error {
	hosts, err := hostsFile(c)
	if err != nil {
		return err
	}
	resolv := []byte("nameserver 127.0.0.11\noptions ndots:0\n")
	switch c.NetworkMode {
	case "host":
		var err error
		if resolv, err = os.ReadFile("/etc/resolv.conf"); err != nil {
			return fmt.Errorf("read the host's resolv.conf: %w", err)
		}
	case "none":
		resolv = nil
	}
	if len(c.Service.DNSSearch) > 0 && c.NetworkMode != "host" {
		resolv = append(resolv, "search "+strings.Join(c.Service.DNSSearch, " ")+"\n"...)
	}
	if len(c.Service.DNSOpts) > 0 {
		resolv = append(resolv, "options "+strings.Join(c.Service.DNSOpts, " ")+"\n"...)
	}
	for name, b := range map[string][]byte{"hosts": hosts, "resolv.conf": resolv, "hostname": []byte(c.Hostname + "\n")} {
		if err := writeFile(filepath.Join(e.containerDir(c.ID), name), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// rewriteHosts rewrites the hosts file of container c, which runs, for
// the networks it is on now. The file is bind-mounted into the container,
// which would keep seeing the old one were it replaced by a rename: it is
// rewritten in place, as dockerd does.
func (e *Engine) rewriteHosts(c *container) error {
	hosts, err := hostsFile(c)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(e.containerDir(c.ID), "hosts"), hosts, 0o644); err != nil {
		return fmt.Errorf("update the hosts file of container %s: %w", c.Name, err)
	}
	return nil
}

// hostsFile is container c's /etc/hosts: its own addresses and extra_hosts.
func hostsFile(c *container) ([]byte, error) {
	var hosts bytes.Buffer
	hosts.WriteString("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n")
	for i, a := range c.Networks {
		names := []string{c.Hostname}
		if i == 0 {
			names = append(names, c.Name)
		}
		for _, al := range a.Aliases {
			if !slices.Contains(names, al) {
				names = append(names, al)
			}
		}
		fmt.Fprintf(&hosts, "%s\t%s\n", a.Addr.Addr(), strings.Join(names, " "))
	}
	extra := make([]string, 0, len(c.Service.ExtraHosts))
	for host := range c.Service.ExtraHosts {
		extra = append(extra, host)
	}
	sort.Strings(extra)
	for _, host := range extra {
		for _, ip := range c.Service.ExtraHosts[host] {
			if ip == "host-gateway" {
				if len(c.Networks) == 0 {
					return nil, fmt.Errorf("extra_hosts %s: host-gateway needs a network", host)
				}
				ip = c.Networks[0].Gateway.String()
			}
			fmt.Fprintf(&hosts, "%s\t%s\n", ip, host)
		}
	}
	return hosts.Bytes(), nil
}

// restartPolicy is the monitor's policy for the service: restart, or
// deploy.restart_policy, as docker compose maps it.
func restartPolicy(s types.ServiceConfig) string {
	p := firstOf(s.Restart, "no")
	if rp := s.Deploy; rp != nil && rp.RestartPolicy != nil {
		switch rp.RestartPolicy.Condition {
		case "none", "no", "":
			p = "no"
		case "any", "always":
			p = "always"
		default:
			p = rp.RestartPolicy.Condition
		}
		if p == "on-failure" && rp.RestartPolicy.MaxAttempts != nil {
			p += ":" + strconv.FormatUint(*rp.RestartPolicy.MaxAttempts, 10)
		}
	}
	return p
}

// healthcheck is the service's healthcheck over the image's; nil when
// neither has one or it is disabled.
func healthcheck(svc *types.HealthCheckConfig, img *v1.HealthConfig) *types.HealthCheckConfig {
	out := &types.HealthCheckConfig{}
	if img != nil && len(img.Test) > 0 {
		out.Test = img.Test
		d := func(v time.Duration) *types.Duration {
			if v == 0 {
				return nil
			}
			x := types.Duration(v)
			return &x
		}
		out.Interval, out.Timeout, out.StartPeriod = d(img.Interval), d(img.Timeout), d(img.StartPeriod)
		if img.Retries != 0 {
			r := uint64(img.Retries)
			out.Retries = &r
		}
	}
	if svc != nil {
		if svc.Disable {
			return nil
		}
		if len(svc.Test) > 0 {
			out.Test = svc.Test
		}
		if svc.Interval != nil {
			out.Interval = svc.Interval
		}
		if svc.Timeout != nil {
			out.Timeout = svc.Timeout
		}
		if svc.StartPeriod != nil {
			out.StartPeriod = svc.StartPeriod
		}
		if svc.StartInterval != nil {
			out.StartInterval = svc.StartInterval
		}
		if svc.Retries != nil {
			out.Retries = svc.Retries
		}
	}
	if len(out.Test) == 0 || out.Test[0] == "NONE" {
		return nil
	}
	return out
}
