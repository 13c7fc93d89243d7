package ui

import (
	"bytes"
	"testing"

	"github.com/berth-dev/berth/inspect"
)

func statsRows() []inspect.ContainerStats {
	return []inspect.ContainerStats{
		{ID: "4f0a6b1e2d3c4b5a69788796a5b4c3d2e1f00112233445566778899aabbccdd", Name: "shop-db-1",
			CPUPercent: 12.345, MemPercent: 1.5, MemUsage: 1376256, MemLimit: 25_330_000_000,
			NetRx: 736, NetTx: 0, BlockRead: 4_096_000, BlockWrite: 12_000, PIDs: 6},
		{ID: "9e8d7c6b5a4938271605f4e3d2c1b0a99887766554433221100ffeeddccbbaa", Name: "shop-web-1"},
	}
}

func TestStatsOutput(t *testing.T) {
	var table, wide, js bytes.Buffer
	if err := WriteStatsTable(&table, statsRows(), false); err != nil {
		t.Fatal(err)
	}
	golden(t, "stats_table.golden", table.String())
	if err := WriteStatsTable(&wide, statsRows(), true); err != nil {
		t.Fatal(err)
	}
	golden(t, "stats_table_notrunc.golden", wide.String())
	if err := WriteStatsJSON(&js, statsRows(), false); err != nil {
		t.Fatal(err)
	}
	golden(t, "stats_json.golden", js.String())
}
