package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/berth-dev/berth/engine"
)

// TestStatsNoStream: stats --no-stream reads each running container of the
// services named once; -a adds the stopped ones.
func TestStatsNoStream(t *testing.T) {
	h := newHarness(t, shopCompose)
	h.mustRun(0, "up", "-d")
	web := h.containerID("shop-web-1")
	if err := h.f.SetStats(web, engine.StatsSample{
		CPU:         engine.CPUSample{Total: 300, System: 1000, Online: 2},
		PreCPU:      engine.CPUSample{Total: 200, System: 800, Online: 2},
		MemoryUsage: 1 << 20, MemoryLimit: 4 << 20, PIDs: 3,
	}); err != nil {
		t.Fatal(err)
	}
	h.mustRun(0, "stop", "db")

	type row struct{ Name, CPUPerc, MemUsage, MemPerc, PIDs string }
	parse := func(out string) []row {
		var rows []row
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			var r row
			if err := json.Unmarshal([]byte(line), &r); err != nil {
				t.Fatalf("stats --format json line %q: %v", line, err)
			}
			rows = append(rows, r)
		}
		return rows
	}
	stdout, _ := h.mustRun(0, "stats", "--no-stream", "--format", "json")
	want := row{Name: "shop-web-1", CPUPerc: "100.00%", MemUsage: "1MiB / 4MiB", MemPerc: "25.00%", PIDs: "3"}
	if rows := parse(stdout); len(rows) != 1 || rows[0] != want {
		t.Errorf("stats --no-stream --format json got %+v, want only %+v", rows, want)
	}
	stdout, _ = h.mustRun(0, "stats", "--no-stream", "--format", "json", "-a")
	if rows := parse(stdout); len(rows) != 2 {
		t.Errorf("stats --no-stream -a got %+v, want shop-db-1 and shop-web-1", rows)
	}
	stdout, _ = h.mustRun(0, "stats", "--no-stream", "-a", "db")
	if lines := strings.Split(strings.TrimSpace(stdout), "\n"); len(lines) != 2 || !strings.HasPrefix(lines[0], "CONTAINER ID") || !strings.Contains(lines[1], "shop-db-1") {
		t.Errorf("stats --no-stream -a db printed\n%s\nwant the header and shop-db-1", stdout)
	}
}

// TestStatsStream: without --no-stream, stats redraws until interrupted.
func TestStatsStream(t *testing.T) {
	h := newHarness(t, shopCompose)
	h.mustRun(0, "up", "-d")
	ctx, cancel := context.WithTimeout(context.Background(), 3*statsRefresh+statsRefresh/2)
	defer cancel()
	_, stdout, stderr := h.runCtx(ctx, "-f", h.file, "-p", "shop", "stats", "--format", "json")
	// Each refresh prints both containers.
	if n := strings.Count(stdout, `"Name":"shop-web-1"`); n < 2 || strings.Count(stdout, `"Name":"shop-db-1"`) != n {
		t.Errorf("stats for %s printed\n%s\nstderr %s\nwant a line per container per refresh, at least two refreshes", 3*statsRefresh+statsRefresh/2, stdout, stderr)
	}
}
