package native

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/native/monitor"
	"github.com/berth-dev/berth/engine/native/netctl"
	"github.com/berth-dev/berth/engine/native/resolver"
)

// RunMonitor is `berth native-monitor DIR`: the process that watches one
// container for as long as it lives. Around monitor.Run, which starts the
// container and records its life, it serves the container's DNS at
// 127.0.0.11 inside its network namespace and proxies its published
// ports; with AutoRemove it removes the container once it has exited.
//
// It holds the container's monitor lock, which launch took and passed as
// fd monitorLockFD, until it returns: no second monitor of the container
// is ever started beside it.
func RunMonitor(ctx context.Context, dir string) error {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	lock, err := monitor.Claim(dir, monitorLockFD)
	if err != nil {
		return fmt.Errorf("native monitor: %w", err)
	}
	defer lock.Close()
	cfg, err := readMonitorConfig(dir)
	if err != nil {
		return err
	}
	e := &Engine{root: filepath.Dir(filepath.Dir(dir)), runc: monitor.Runc{Path: cfg.Runc, Root: cfg.RuncRoot}}
	c, err := e.readContainer(filepath.Base(dir))
	if err != nil {
		return err
	}
	sctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() {
		stop()
		wg.Wait()
	}()
	if c.NetworkMode == "bridge" {
		pc, ln, err := resolver.ListenInNetns(e.netnsPath(c.ID), "127.0.0.11:53")
		if err != nil {
			return fmt.Errorf("container %s: serve DNS at 127.0.0.11: %w", c.Name, err)
		}
		srv := &resolver.Server{Lookup: (&dnsNames{e: e, id: c.ID}).lookup, Upstreams: upstreams(c.Service.DNS)}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := srv.Serve(sctx, pc, ln); err != nil && sctx.Err() == nil {
				fmt.Fprintf(os.Stderr, "berth native-monitor: container %s: DNS server: %v\n", c.Name, err)
			}
		}()
	}
	proxies, err := e.publish(sctx, c)
	defer func() {
		for _, p := range proxies {
			_ = p.Close()
		}
	}()
	if err != nil {
		return err
	}
	if c.Watched {
		go e.watchInput(ctx, c, os.NewFile(monitorWatchFD, "watch"))
	}
	runErr := monitor.Run(ctx, dir)
	if c, err := e.readContainer(c.ID); err == nil && c.AutoRemove {
		for _, p := range proxies {
			_ = p.Close()
		}
		proxies = nil
		if err := e.teardown(context.WithoutCancel(ctx), c); err != nil {
			runErr = errors.Join(runErr, fmt.Errorf("remove container %s (auto-remove): %w", c.Name, err))
		}
		for _, name := range c.Anonymous {
			_ = e.RemoveVolume(ctx, name)
		}
	}
	return runErr
}

// The files a monitor inherits from launch.
const (
	monitorLockFD  = 3 // the container's monitor lock
	monitorWatchFD = 4 // a watcher's input (StartWatcher)
)

func readMonitorConfig(dir string) (monitor.Config, error) {
	var cfg monitor.Config
	if err := readJSON(filepath.Join(dir, monitor.ConfigFile), &cfg); err != nil {
		return cfg, fmt.Errorf("native monitor: %w", err)
	}
	return cfg, nil
}

// publish proxies the container's published ports to its address on its
// first network.
func (e *Engine) publish(ctx context.Context, c *container) ([]io.Closer, error) {
	if len(c.Ports) == 0 {
		return nil, nil
	}
	if len(c.Networks) == 0 {
		return nil, fmt.Errorf("container %s publishes ports but is on no network", c.Name)
	}
	target := c.Networks[0].Addr.Addr()
	var out []io.Closer
	for _, p := range c.Ports {
		pm := netctl.PortMap{HostPort: p.HostPort, Proto: p.Protocol, Target: netip.AddrPortFrom(target, p.ContainerPort)}
		if p.HostIP != "" {
			ip, err := netip.ParseAddr(p.HostIP)
			if err != nil {
				return out, fmt.Errorf("container %s: host_ip %q: %w", c.Name, p.HostIP, err)
			}
			pm.HostIP = ip
		}
		cl, err := netctl.Publish(ctx, pm)
		if err != nil {
			return out, fmt.Errorf("container %s: publish port %d/%s: %w", c.Name, p.HostPort, p.Protocol, err)
		}
		out = append(out, cl)
	}
	return out, nil
}

// upstreams is where the embedded DNS forwards names that are not the
// project's: the service's dns servers, else the host's.
func upstreams(dns []string) []string {
	if len(dns) > 0 {
		out := make([]string, 0, len(dns))
		for _, d := range dns {
			out = append(out, net.JoinHostPort(d, "53"))
		}
		return out
	}
	b, err := os.ReadFile("/etc/resolv.conf")
	if err != nil {
		return nil
	}
	return resolver.Upstreams(b)
}

// dnsNames answers the embedded DNS for one container: the names of the
// running containers on its networks, reading the records at each query,
// through a cache of records keyed by modification time.
type dnsNames struct {
	e     *Engine
	id    string
	mu    sync.Mutex
	cache map[string]cachedRecord
}

type cachedRecord struct {
	mtime time.Time
	c     *container
}

// lookup returns the addresses name has on the container's own networks:
// a service name gives every running replica's, a container name, alias,
// hostname or short ID the container's.
func (d *dnsNames) lookup(ctx context.Context, name string) ([]netip.Addr, error) {
	name = strings.ToLower(strings.TrimSuffix(name, "."))
	if name == "" {
		return nil, nil
	}
	all, err := d.records()
	if err != nil {
		return nil, err
	}
	var self *container
	for _, c := range all {
		if c.ID == d.id {
			self = c
		}
	}
	if self == nil {
		return nil, nil
	}
	var out []netip.Addr
	for _, c := range all {
		names := []string{c.Name, c.Labels[engine.LabelService], c.ID[:12]}
		if c.Service.Hostname != "" {
			names = append(names, c.Service.Hostname)
		}
		for _, a := range c.Networks {
			if !slices.ContainsFunc(self.Networks, func(s attachment) bool { return s.NetworkID == a.NetworkID }) {
				continue
			}
			if !matches(name, names) && !matches(name, a.Aliases) {
				continue
			}
			if s, err := d.e.observe(c); err != nil || !s.running() {
				continue
			}
			if !slices.Contains(out, a.Addr.Addr()) {
				out = append(out, a.Addr.Addr())
			}
		}
	}
	return out, nil
}

func matches(name string, names []string) bool {
	return slices.ContainsFunc(names, func(n string) bool { return n != "" && strings.EqualFold(n, name) })
}

// records reads every container record, rereading only those changed.
func (d *dnsNames) records() ([]*container, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	entries, err := os.ReadDir(filepath.Join(d.e.root, "containers"))
	if err != nil {
		return nil, err
	}
	next := make(map[string]cachedRecord, len(entries))
	out := make([]*container, 0, len(entries))
	for _, ent := range entries {
		id := ent.Name()
		fi, err := os.Stat(d.e.recordPath(id))
		if err != nil {
			continue
		}
		r, ok := d.cache[id]
		if !ok || !r.mtime.Equal(fi.ModTime()) {
			c, err := d.e.readContainer(id)
			if err != nil {
				continue
			}
			r = cachedRecord{mtime: fi.ModTime(), c: c}
		}
		next[id] = r
		out = append(out, r.c)
	}
	d.cache = next
	return out, nil
}
