package main

import "testing"

func TestParseCPU(t *testing.T) {
	tests := []struct {
		name      string
		stat      string
		wantTotal uint64
		wantSteal uint64
		wantOK    bool
	}{
		{"with guest columns", "cpu  100 5 50 800 10 1 4 30 7 0\ncpu0 1 2 3 4 5 6 7 8 9 10\n", 1000, 30, true},
		{"steal only", "cpu 10 0 10 70 0 0 0 10\n", 100, 10, true},
		{"before steal existed", "cpu 10 0 10 70 0 0 0\n", 0, 0, false},
		{"not the cpu line", "intr 1 2 3 4 5 6 7 8 9\n", 0, 0, false},
		{"garbage", "cpu a b c d e f g h\n", 0, 0, false},
		{"empty", "", 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := parseCPU(tt.stat)
			if ok != tt.wantOK || got.total != tt.wantTotal || got.steal != tt.wantSteal {
				t.Errorf("parseCPU = %+v, %v; want total %d steal %d, %v", got, ok, tt.wantTotal, tt.wantSteal, tt.wantOK)
			}
		})
	}
}

func TestStealText(t *testing.T) {
	tests := []struct {
		from, to cpuSample
		want     string
	}{
		{cpuSample{1000, 10}, cpuSample{2000, 260}, "25% of CPU time"},
		{cpuSample{1000, 10}, cpuSample{3000, 10}, "0% of CPU time"},
		{cpuSample{1000, 10}, cpuSample{1000, 10}, "unknown"},
		{cpuSample{2000, 10}, cpuSample{1000, 10}, "unknown"},
	}
	for _, tt := range tests {
		if got := stealText(tt.from, tt.to); got != tt.want {
			t.Errorf("stealText(%+v, %+v) = %q, want %q", tt.from, tt.to, got, tt.want)
		}
	}
}
