package inspect

import (
	"context"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/berth-dev/berth/engine"
)

// ContainerStats is one line of `stats`: a container's usage, computed
// as docker stats computes it.
type ContainerStats struct {
	ID, Name               string
	CPUPercent, MemPercent float64
	MemUsage, MemLimit     uint64
	NetRx, NetTx           uint64
	BlockRead, BlockWrite  uint64
	PIDs                   uint64
}

// StatsOf computes c's line from a reading. The CPU percentage is the
// container's share of the host's CPU time between the two readings the
// sample holds, scaled to the CPUs online, so 200% is two busy CPUs.
func StatsOf(c engine.Container, s engine.StatsSample) ContainerStats {
	out := ContainerStats{
		ID: c.ID, Name: c.Name,
		MemUsage: s.MemoryUsage, MemLimit: s.MemoryLimit,
		NetRx: s.NetRx, NetTx: s.NetTx, BlockRead: s.BlockRead, BlockWrite: s.BlockWrite, PIDs: s.PIDs,
	}
	cpuDelta := float64(s.CPU.Total) - float64(s.PreCPU.Total)
	systemDelta := float64(s.CPU.System) - float64(s.PreCPU.System)
	if cpuDelta > 0 && systemDelta > 0 {
		out.CPUPercent = cpuDelta / systemDelta * float64(s.CPU.Online) * 100
	}
	if s.MemoryLimit != 0 {
		out.MemPercent = float64(s.MemoryUsage) / float64(s.MemoryLimit) * 100
	}
	return out
}

// Stats reads each container's usage once, in parallel, in the order of
// containers.
func Stats(ctx context.Context, eng engine.StatsReader, containers []engine.Container) ([]ContainerStats, error) {
	out := make([]ContainerStats, len(containers))
	g, ctx := errgroup.WithContext(ctx)
	for i, c := range containers {
		g.Go(func() error {
			return eng.ContainerStats(ctx, c.ID, false, func(s engine.StatsSample) error {
				out[i] = StatsOf(c, s)
				return nil
			})
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return out, nil
}

// StreamStats streams the containers' usage and calls show with the latest
// line of every container each interval, until ctx ends. A container
// without a reading yet shows zeros, as docker stats does.
func StreamStats(ctx context.Context, eng engine.StatsReader, containers []engine.Container, interval time.Duration, show func([]ContainerStats) error) error {
	var mu sync.Mutex
	latest := make([]ContainerStats, len(containers))
	for i, c := range containers {
		latest[i] = ContainerStats{ID: c.ID, Name: c.Name}
	}
	g, gctx := errgroup.WithContext(ctx)
	for i, c := range containers {
		g.Go(func() error {
			return eng.ContainerStats(gctx, c.ID, true, func(s engine.StatsSample) error {
				mu.Lock()
				defer mu.Unlock()
				latest[i] = StatsOf(c, s)
				return nil
			})
		})
	}
	g.Go(func() error {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-gctx.Done():
				return nil
			case <-t.C:
			}
			mu.Lock()
			snapshot := append([]ContainerStats(nil), latest...)
			mu.Unlock()
			if err := show(snapshot); err != nil {
				return err
			}
		}
	})
	return g.Wait()
}
