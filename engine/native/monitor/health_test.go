package monitor

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseHealth(t *testing.T) {
	tests := []struct {
		name    string
		in      *Health
		want    *healthConfig
		wantErr bool
	}{
		{name: "none", in: nil},
		{name: "NONE", in: &Health{Test: []string{"NONE"}}},
		{name: "empty test", in: &Health{}},
		{
			name: "defaults",
			in:   &Health{Test: []string{"CMD", "check", "-q"}},
			want: &healthConfig{cmd: []string{"check", "-q"}, interval: 30 * time.Second, timeout: 30 * time.Second, startInterval: 5 * time.Second, retries: 3},
		},
		{
			name: "shell and every setting",
			in: &Health{Test: []string{"CMD-SHELL", "test -f /ok"}, Interval: time.Second, Timeout: 2 * time.Second,
				StartPeriod: 3 * time.Second, StartInterval: 100 * time.Millisecond, Retries: 2},
			want: &healthConfig{cmd: []string{"/bin/sh", "-c", "test -f /ok"}, interval: time.Second, timeout: 2 * time.Second,
				startPeriod: 3 * time.Second, startInterval: 100 * time.Millisecond, retries: 2},
		},
		{name: "unknown form", in: &Health{Test: []string{"SHELL", "x"}}, wantErr: true},
		{name: "CMD without command", in: &Health{Test: []string{"CMD"}}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseHealth(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("error = %v, want error %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(healthConfig{})); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestHealthRecord(t *testing.T) {
	c := &healthConfig{retries: 2, startPeriod: 10 * time.Second}
	type probe struct {
		ok    bool
		at    time.Duration // since the container started
		after string        // status after the probe
	}
	tests := []struct {
		name   string
		probes []probe
	}{
		{name: "success makes healthy", probes: []probe{{ok: true, at: time.Second, after: "healthy"}}},
		{name: "failures in the start period do not count", probes: []probe{
			{at: time.Second, after: "starting"}, {at: 2 * time.Second, after: "starting"}, {at: 3 * time.Second, after: "starting"},
			{at: 11 * time.Second, after: "starting"}, {at: 12 * time.Second, after: "unhealthy"},
		}},
		{name: "after a success, start period failures count", probes: []probe{
			{ok: true, at: time.Second, after: "healthy"}, {at: 2 * time.Second, after: "healthy"}, {at: 3 * time.Second, after: "unhealthy"},
		}},
		{name: "a success resets the streak", probes: []probe{
			{at: 11 * time.Second, after: "starting"}, {ok: true, at: 12 * time.Second, after: "healthy"},
			{at: 13 * time.Second, after: "healthy"}, {ok: true, at: 14 * time.Second, after: "healthy"},
			{at: 15 * time.Second, after: "healthy"}, {at: 16 * time.Second, after: "unhealthy"},
			{ok: true, at: 17 * time.Second, after: "healthy"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := health{status: HealthStarting}
			for i, p := range tt.probes {
				h.record(c, p.ok, "", p.at)
				if h.status != p.after {
					t.Fatalf("after probe %d: status %s, want %s", i, h.status, p.after)
				}
			}
		})
	}
}

func TestHealthLogKeepsLastFiveTrimmed(t *testing.T) {
	c := &healthConfig{retries: 3}
	h := health{status: HealthStarting}
	for i := range 7 {
		h.record(c, true, fmt.Sprintf("  out %d\n", i), time.Second)
	}
	want := []string{"out 2", "out 3", "out 4", "out 5", "out 6"}
	if diff := cmp.Diff(want, h.log); diff != "" {
		t.Errorf("log (-want +got):\n%s", diff)
	}
}

func TestHealthWait(t *testing.T) {
	c := &healthConfig{interval: time.Minute, startInterval: time.Second, startPeriod: 10 * time.Second}
	tests := []struct {
		status string
		since  time.Duration
		want   time.Duration
	}{
		{status: HealthStarting, since: 0, want: time.Second},
		{status: HealthStarting, since: 10 * time.Second, want: time.Minute},
		{status: HealthHealthy, since: time.Second, want: time.Minute},
		{status: HealthUnhealthy, since: time.Second, want: time.Minute},
	}
	for _, tt := range tests {
		if got := c.wait(tt.status, tt.since); got != tt.want {
			t.Errorf("wait(%s, %v) = %v, want %v", tt.status, tt.since, got, tt.want)
		}
	}
}

func TestLimitedBuffer(t *testing.T) {
	b := &limitedBuffer{max: 5}
	for _, s := range []string{"abc", "defg", "h"} {
		if n, err := b.Write([]byte(s)); n != len(s) || err != nil {
			t.Fatalf("Write(%q) = %d, %v", s, n, err)
		}
	}
	if got := b.String(); got != "abcde" {
		t.Errorf("kept %q, want %q", got, "abcde")
	}
}
