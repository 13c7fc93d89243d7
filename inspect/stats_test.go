package inspect

import (
	"context"
	"testing"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/fake"
)

func TestStatsOf(t *testing.T) {
	c := engine.Container{ID: "abc", Name: "shop-web-1"}
	tests := []struct {
		name     string
		s        engine.StatsSample
		cpu, mem float64
	}{
		{name: "zero"},
		// 0.5 s of the container's CPU time in 2 s of the host's (summed
		// over its 4 CPUs): one CPU's worth, 100%.
		{name: "busy", s: engine.StatsSample{
			CPU:         engine.CPUSample{Total: 1_500_000_000, System: 10_000_000_000, Online: 4},
			PreCPU:      engine.CPUSample{Total: 1_000_000_000, System: 8_000_000_000, Online: 4},
			MemoryUsage: 256, MemoryLimit: 1024,
		}, cpu: 100, mem: 25},
		// The first reading of a stream has no previous one: the counters
		// compare with zero, the average since they started, as docker shows.
		{name: "no previous", s: engine.StatsSample{CPU: engine.CPUSample{Total: 5, System: 10, Online: 1}}, cpu: 50},
		{name: "counters reset", s: engine.StatsSample{
			CPU:    engine.CPUSample{Total: 1, System: 10, Online: 1},
			PreCPU: engine.CPUSample{Total: 5, System: 8, Online: 1},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := StatsOf(c, tt.s)
			if got.CPUPercent != tt.cpu || got.MemPercent != tt.mem {
				t.Errorf("StatsOf(%s) got CPU %.2f%% MEM %.2f%%, want %.2f%% and %.2f%%", tt.name, got.CPUPercent, got.MemPercent, tt.cpu, tt.mem)
			}
		})
	}
}

// TestStats reads each container once, keeping their order.
func TestStats(t *testing.T) {
	f := fake.New().WithContainer(
		engine.Container{ID: "aaa", Name: "shop-a-1", State: "running"},
		engine.Container{ID: "bbb", Name: "shop-b-1", State: "running"},
	).Build()
	if err := f.SetStats("bbb", engine.StatsSample{PIDs: 7}, engine.StatsSample{PIDs: 8}); err != nil {
		t.Fatal(err)
	}
	cs := []engine.Container{{ID: "bbb", Name: "shop-b-1"}, {ID: "aaa", Name: "shop-a-1"}}
	rows, err := Stats(context.Background(), f, cs)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0].Name != "shop-b-1" || rows[0].PIDs != 7 || rows[1].Name != "shop-a-1" || rows[1].PIDs != 0 {
		t.Errorf("Stats got %+v, want shop-b-1 with its first reading (7 PIDs), then shop-a-1 with zeros", rows)
	}
}
