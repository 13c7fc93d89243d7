package engine

import (
	"context"
	"time"
)

// StatsSample is one reading of a container's resource usage, with the
// raw counters from which docker stats computes its percentages.
type StatsSample struct {
	Read time.Time
	// CPU is the reading and PreCPU the one before it; PreCPU is zero for
	// the first reading of a stream.
	CPU, PreCPU CPUSample
	// MemoryUsage excludes the inactive page cache, as docker stats shows it.
	MemoryUsage, MemoryLimit uint64
	NetRx, NetTx             uint64 // bytes, summed over the interfaces
	BlockRead, BlockWrite    uint64 // bytes
	PIDs                     uint64
}

// CPUSample holds cumulative CPU counters.
type CPUSample struct {
	Total  uint64 // the container's CPU time, in nanoseconds
	System uint64 // the host's CPU time, in nanoseconds
	Online uint32 // CPUs online
}

// StatsReader reads containers' resource usage.
type StatsReader interface {
	// ContainerStats calls fn with readings of container id: one, with
	// PreCPU set, when stream is false; otherwise one about every second
	// until ctx ends (nil is returned) or fn fails.
	ContainerStats(ctx context.Context, id string, stream bool, fn func(StatsSample) error) error
}
