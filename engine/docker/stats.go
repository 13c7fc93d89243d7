package docker

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/berth-dev/berth/engine"
)

var _ engine.StatsReader = (*Engine)(nil)

// ContainerStats reads the daemon's stats of container id. A single
// reading asks for the previous sample too, so that it carries the CPU
// delta docker stats --no-stream computes its percentage from.
func (e *Engine) ContainerStats(ctx context.Context, id string, stream bool, fn func(engine.StatsSample) error) error {
	var res client.ContainerStatsResult
	err := e.call(ctx, "read stats of container "+shortID(id), idempotent, func(ctx context.Context) error {
		var err error
		res, err = e.cli.ContainerStats(ctx, id, client.ContainerStatsOptions{Stream: stream, IncludePreviousSample: !stream})
		return err
	})
	if err != nil {
		return err
	}
	defer res.Body.Close()
	dec := json.NewDecoder(res.Body)
	for {
		var s container.StatsResponse
		if err := dec.Decode(&s); err != nil {
			if errors.Is(err, io.EOF) || ctx.Err() != nil {
				return nil
			}
			return e.wrap("read stats of container "+shortID(id), err)
		}
		if err := fn(toSample(s)); err != nil {
			return err
		}
	}
}

// toSample reduces a stats response to what docker stats shows, computed
// as the docker CLI does for Linux containers.
func toSample(s container.StatsResponse) engine.StatsSample {
	out := engine.StatsSample{
		Read:        s.Read,
		CPU:         cpuSample(s.CPUStats),
		PreCPU:      cpuSample(s.PreCPUStats),
		MemoryUsage: memoryWithoutCache(s.MemoryStats),
		MemoryLimit: s.MemoryStats.Limit,
		PIDs:        s.PidsStats.Current,
	}
	for _, n := range s.Networks {
		out.NetRx += n.RxBytes
		out.NetTx += n.TxBytes
	}
	for _, b := range s.BlkioStats.IoServiceBytesRecursive {
		switch strings.ToLower(b.Op) {
		case "read":
			out.BlockRead += b.Value
		case "write":
			out.BlockWrite += b.Value
		}
	}
	return out
}

func cpuSample(c container.CPUStats) engine.CPUSample {
	online := c.OnlineCPUs
	if online == 0 {
		online = uint32(len(c.CPUUsage.PercpuUsage))
	}
	return engine.CPUSample{Total: c.CPUUsage.TotalUsage, System: c.SystemUsage, Online: online}
}

// memoryWithoutCache subtracts the inactive page cache, which the kernel
// can reclaim at once: total_inactive_file on cgroup v1, inactive_file on v2.
func memoryWithoutCache(m container.MemoryStats) uint64 {
	if v, ok := m.Stats["total_inactive_file"]; ok && v < m.Usage {
		return m.Usage - v
	}
	if v := m.Stats["inactive_file"]; v < m.Usage {
		return m.Usage - v
	}
	return m.Usage
}
