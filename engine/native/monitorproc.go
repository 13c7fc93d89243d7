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
	"sync"

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
	c, err := e.readMonitorRecord(filepath.Base(dir))
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
		names := &dnsNames{e: e, id: c.ID}
		srv := &resolver.Server{Lookup: names.lookup, Reverse: names.reverse, Upstreams: upstreams(c.Service.DNS)}
		wg.Go(func() {
			if err := srv.Serve(sctx, pc, ln); err != nil && sctx.Err() == nil {
				fmt.Fprintf(os.Stderr, "berth native-monitor: container %s: DNS server: %v\n", c.Name, err)
			}
		})
	}
	wg.Go(func() { trimMemory(sctx) })
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
		go e.watchInput(ctx, c.ID, os.NewFile(monitorWatchFD, "watch"))
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

// monitorRecord is the part of a container record that a monitor reads
// while its container runs, for itself and, for DNS, for every container.
// Decoding the whole record would have encoding/json cache its view of
// compose-go's service type, about 150 kB that the monitor would hold for
// the container's whole life.
type monitorRecord struct {
	ID, Name string
	Labels   map[string]string
	Service  struct {
		Hostname string   `json:"hostname"`
		DNS      []string `json:"dns"`
	}
	NetworkMode string
	Networks    []attachment
	Ports       []engine.Port
	Watched     bool
}

func (e *Engine) readMonitorRecord(id string) (*monitorRecord, error) {
	var c monitorRecord
	if err := readJSON(e.recordPath(id), &c); err != nil {
		return nil, fmt.Errorf("read the record of container %s: %w", shortID(id), err)
	}
	return &c, nil
}

func readMonitorConfig(dir string) (monitor.Config, error) {
	var cfg monitor.Config
	if err := readJSON(filepath.Join(dir, monitor.ConfigFile), &cfg); err != nil {
		return cfg, fmt.Errorf("native monitor: %w", err)
	}
	return cfg, nil
}

// publish proxies the container's published ports to its address on its
// first network.
func (e *Engine) publish(ctx context.Context, c *monitorRecord) ([]io.Closer, error) {
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
