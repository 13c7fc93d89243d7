package monitorproc

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"

	"github.com/berth-dev/berth/engine/native/exepages"
	"github.com/berth-dev/berth/engine/native/monitor"
	"github.com/berth-dev/berth/engine/native/resolver"
)

// Command is the argument a monitor runs under, `EXE native-monitor DIR`.
// It is also how berth itself, the engine's tests and the bench's process
// table tell a monitor from other processes.
const Command = "native-monitor"

// The files a monitor inherits from the engine that starts it.
const (
	lockFD  = 3 // the container's monitor lock
	watchFD = 4 // a watcher's input (see watchInput)
)

// Main is the monitor of the container in dir (<root>/containers/<id>),
// the whole of its process's job: it returns once the container has
// exited for good. It holds the container's monitor lock, which the
// engine took and passed as fd lockFD, until it returns: no second monitor
// of the container is ever started beside it.
func Main(ctx context.Context, dir string) error {
	// A sampled allocation costs a page of the profiler's table for
	// good, and nobody reads a monitor's profile.
	runtime.MemProfileRate = 0
	dir, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	lock, err := monitor.Claim(dir, lockFD)
	if err != nil {
		return fmt.Errorf("native monitor: %w", err)
	}
	defer lock.Close()
	cfg, err := monitor.ReadConfig(dir)
	if err != nil {
		return fmt.Errorf("native monitor: %w", err)
	}
	c, err := ReadRecord(dir)
	if err != nil {
		return err
	}
	// Each step of the start runs code once: its pages of the executable
	// are let go before the next step maps its own (see exepages.Release),
	// so that the monitor's peak is that of one step, not of all.
	exepages.Release()
	containers := filepath.Dir(dir)
	sctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() {
		stop()
		wg.Wait()
	}()
	if c.NetworkMode == "bridge" {
		netns := filepath.Join(filepath.Dir(containers), "netns", c.ID)
		pc, ln, err := resolver.ListenInNetns(netns, "127.0.0.11:53")
		if err != nil {
			return fmt.Errorf("container %s: serve DNS at 127.0.0.11: %w", c.Name, err)
		}
		names := &dnsNames{containers: containers, id: c.ID}
		srv := &resolver.Server{Lookup: names.lookup, Reverse: names.reverse, Upstreams: upstreams(c.Service.DNS)}
		wg.Go(func() {
			if err := srv.Serve(sctx, pc, ln); err != nil && sctx.Err() == nil {
				fmt.Fprintf(os.Stderr, "berth native-monitor: container %s: DNS server: %v\n", c.Name, err)
			}
		})
	}
	wg.Go(func() { trimMemory(sctx) })
	proxies, err := publish(sctx, c)
	closeProxies := func() {
		for _, p := range proxies {
			_ = p.Close()
		}
		proxies = nil
	}
	defer closeProxies()
	if err != nil {
		return err
	}
	// The DNS server's and the proxies' goroutines run their start now,
	// not during the container's, so that its pages go with this step's.
	runtime.Gosched()
	exepages.Release()
	if c.Watched {
		runc := monitor.Runc{Path: cfg.Runc, Root: cfg.RuncRoot}
		go watchInput(ctx, runc, dir, c.ID, os.NewFile(watchFD, "watch"))
	}
	runErr := monitor.Run(ctx, dir)
	if c, err := ReadRecord(dir); err == nil && c.AutoRemove {
		// Its ports are free again before berth reports it gone.
		closeProxies()
		if err := autoRemove(context.WithoutCancel(ctx), cfg.Berth, dir); err != nil {
			runErr = errors.Join(runErr, fmt.Errorf("remove container %s (auto-remove): %w", c.Name, err))
		}
	}
	return runErr
}
