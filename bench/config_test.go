package main

import (
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseConfig(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		want    config
		wantErr string // substring; "" means no error
	}{
		{
			name: "defaults",
			want: config{Sizes: []int{10, 50, 200}, Runs: 5, Changes: 5, Repeats: 3, Out: "bench/RESULTS.md", Tools: []string{"berth", "native", "compose", "v1", "floor"},
				Parallel: 64, RunsFor: map[string]int{"v1:200": 2}, CICycle: "on"},
		},
		{
			name: "sizes sorted and deduplicated, tools in column order",
			args: []string{"-sizes", "50, 10,50", "-tools", "floor,berth", "-runs", "3", "-changes", "1", "-repeats", "2", "-tool-runs", "", "-out", ""},
			want: config{Sizes: []int{10, 50}, SizesSet: true, Runs: 3, Changes: 1, Repeats: 2, Tools: []string{"berth", "floor"}, Parallel: 64, RunsFor: map[string]int{}, CICycle: "on"},
		},
		{
			name: "tool-runs by tool and by tool and size",
			args: []string{"-tool-runs", "v1=3,berth:10=7"},
			want: config{Sizes: []int{10, 50, 200}, Runs: 5, Changes: 5, Repeats: 3, Out: "bench/RESULTS.md", Tools: []string{"berth", "native", "compose", "v1", "floor"},
				Parallel: 64, RunsFor: map[string]int{"v1": 3, "berth:10": 7}, CICycle: "on"},
		},
		{
			name: "CI cycle only drops the sizes",
			args: []string{"-ci-cycle", "only", "-tools", "berth,compose"},
			want: config{Runs: 5, Changes: 5, Repeats: 3, Out: "bench/RESULTS.md", Tools: []string{"berth", "compose"},
				Parallel: 64, RunsFor: map[string]int{"v1:200": 2}, CICycle: "only"},
		},
		{
			name: "native in -tools and -tool-runs",
			args: []string{"-tools", "native,berth", "-tool-runs", "native:30=3"},
			want: config{Sizes: []int{10, 50, 200}, Runs: 5, Changes: 5, Repeats: 3, Out: "bench/RESULTS.md", Tools: []string{"berth", "native"},
				Parallel: 64, RunsFor: map[string]int{"native:30": 3}, CICycle: "on"},
		},
		{name: "zero size", args: []string{"-sizes", "10,0"}, wantErr: `"0" is not a positive number`},
		{name: "unknown tool", args: []string{"-tools", "berth,podman"}, wantErr: `unknown tool "podman"`},
		{name: "bad tool-runs", args: []string{"-tool-runs", "v1:200"}, wantErr: "is not tool[:size]=N"},
		{name: "tool-runs unknown tool", args: []string{"-tool-runs", "kompose=2"}, wantErr: `unknown tool "kompose"`},
		{name: "no runs", args: []string{"-runs", "0"}, wantErr: "need at least 1 run"},
		{name: "no changes", args: []string{"-changes", "0"}, wantErr: "need at least 1 change"},
		{name: "no repeats", args: []string{"-repeats", "0"}, wantErr: "need at least 1 measurement"},
		{name: "bad ci-cycle", args: []string{"-ci-cycle", "yes"}, wantErr: `-ci-cycle "yes": choose on, only or off`},
		{name: "stray argument", args: []string{"up"}, wantErr: `unexpected argument "up"`},
		{
			name:    "every problem reported at once",
			args:    []string{"-sizes", "x", "-tools", "y"},
			wantErr: `"x" is not a positive number of services` + "\n" + `-tools "y": unknown tool "y"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseConfig(tt.args, io.Discard)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("parseConfig(%q) error = %v, want it to contain %q", tt.args, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseConfig(%q) error = %v", tt.args, err)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("parseConfig(%q) mismatch (-want +got):\n%s", tt.args, d)
			}
		})
	}
}

func TestSizesFor(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		measured []string
		want     []int
	}{
		{name: "native measured adds 30 to the defaults", measured: []string{"berth", "native"}, want: []int{10, 30, 50, 200}},
		{name: "native not measured", measured: []string{"berth", "compose"}, want: []int{10, 50, 200}},
		{name: "sizes given are kept", args: []string{"-sizes", "10,50"}, measured: []string{"berth", "native"}, want: []int{10, 50}},
		{name: "CI cycle only", args: []string{"-ci-cycle", "only"}, measured: []string{"berth", "native"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseConfig(tt.args, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, c.sizesFor(tt.measured)); d != "" {
				t.Errorf("sizesFor(%q) mismatch (-want +got):\n%s", tt.measured, d)
			}
		})
	}
}

func TestRunsFor(t *testing.T) {
	c := config{Runs: 5, RunsFor: map[string]int{"v1": 3, "v1:200": 2}}
	tests := []struct {
		tool string
		size int
		want int
	}{
		{"berth", 200, 5},
		{"v1", 10, 3},
		{"v1", 200, 2},
	}
	for _, tt := range tests {
		t.Run(tt.tool, func(t *testing.T) {
			if got := c.runsFor(tt.tool, tt.size); got != tt.want {
				t.Errorf("runsFor(%s, %d) got %d, want %d", tt.tool, tt.size, got, tt.want)
			}
		})
	}
}
