package main

import (
	"testing"
	"time"
)

func TestMedian(t *testing.T) {
	tests := []struct {
		name string
		in   []time.Duration
		want time.Duration
	}{
		{"one", []time.Duration{7}, 7},
		{"odd, unsorted", []time.Duration{9, 1, 5}, 5},
		{"even is the mean of the middle two", []time.Duration{10, 1, 4, 100}, 7},
		{"outlier ignored", []time.Duration{3, 3, 3, 3, 1000}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := append([]time.Duration{}, tt.in...)
			if got := median(tt.in); got != tt.want {
				t.Errorf("median(%v) got %v, want %v", in, got, tt.want)
			}
			for i := range in {
				if in[i] != tt.in[i] {
					t.Fatalf("median(%v) reordered its input to %v", in, tt.in)
				}
			}
		})
	}
}

func TestResultsRSS(t *testing.T) {
	r := newResults()
	k := key{toolBerth, opPs, 10}
	r.add(k, sample{Wall: 1, RSS: 30})
	r.add(k, sample{Wall: 2, RSS: 10})
	r.add(k, sample{Wall: 3, RSS: 20})
	r.add(key{toolBerth, opDown, 10}, sample{Wall: 4, RSS: 50})
	r.add(key{toolBerth, opDown, 50}, sample{Wall: 4, RSS: 90})
	r.add(key{toolBerth, opCICycle, 10}, sample{Wall: 5, RSS: 70}) // another stack: not in the size's peak
	if got, _ := r.medianRSS(k); got != 20 {
		t.Errorf("medianRSS(%v) got %d, want 20", k, got)
	}
	if got, _ := r.peakRSS(toolBerth, 10); got != 50 {
		t.Errorf("peakRSS(berth, 10) got %d, want 50", got)
	}
	if _, ok := r.peakRSS(toolV1, 10); ok {
		t.Errorf("peakRSS(v1, 10) found a figure, want none")
	}
}
