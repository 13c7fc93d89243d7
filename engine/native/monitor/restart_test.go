package monitor

import (
	"testing"
	"time"
)

func TestParseRestart(t *testing.T) {
	tests := []struct {
		in      string
		want    restartPolicy
		wantErr bool
	}{
		{in: "", want: restartPolicy{name: "no"}},
		{in: "no", want: restartPolicy{name: "no"}},
		{in: "always", want: restartPolicy{name: "always"}},
		{in: "unless-stopped", want: restartPolicy{name: "unless-stopped"}},
		{in: "on-failure", want: restartPolicy{name: "on-failure"}},
		{in: "on-failure:3", want: restartPolicy{name: "on-failure", max: 3}},
		{in: "on-failure:x", wantErr: true},
		{in: "on-failure:-1", wantErr: true},
		{in: "always:2", wantErr: true},
		{in: "sometimes", wantErr: true},
	}
	for _, tt := range tests {
		got, err := parseRestart(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("parseRestart(%q) = %+v, %v; want %+v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestShouldRestart(t *testing.T) {
	tests := []struct {
		policy   string
		code     int
		restarts int
		stopped  bool
		want     bool
	}{
		{policy: "no", code: 1, want: false},
		{policy: "always", code: 0, want: true},
		{policy: "always", code: 137, restarts: 100, want: true},
		{policy: "always", code: 137, stopped: true, want: false},
		{policy: "unless-stopped", code: 0, want: true},
		{policy: "unless-stopped", code: 0, stopped: true, want: false},
		{policy: "on-failure", code: 0, want: false},
		{policy: "on-failure", code: 1, restarts: 50, want: true},
		{policy: "on-failure:2", code: 1, restarts: 0, want: true},
		{policy: "on-failure:2", code: 1, restarts: 1, want: true},
		{policy: "on-failure:2", code: 1, restarts: 2, want: false},
		{policy: "on-failure:2", code: 0, restarts: 0, want: false},
		{policy: "on-failure:2", code: 1, stopped: true, want: false},
	}
	for _, tt := range tests {
		p, err := parseRestart(tt.policy)
		if err != nil {
			t.Fatal(err)
		}
		if got := shouldRestart(p, tt.code, tt.restarts, tt.stopped); got != tt.want {
			t.Errorf("shouldRestart(%s, code %d, %d restarts, stopped %v) = %v, want %v", tt.policy, tt.code, tt.restarts, tt.stopped, got, tt.want)
		}
	}
}

func TestNextDelay(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		prev, ran, want time.Duration
	}{
		{prev: 0, ran: 0, want: 100 * ms},
		{prev: 0, ran: time.Hour, want: 100 * ms},
		{prev: 100 * ms, ran: time.Second, want: 200 * ms},
		{prev: 200 * ms, ran: 0, want: 400 * ms},
		{prev: 400 * ms, ran: 10 * time.Second, want: 100 * ms},
		{prev: 40 * time.Second, ran: time.Second, want: time.Minute},
		{prev: time.Minute, ran: time.Second, want: time.Minute},
	}
	for _, tt := range tests {
		if got := nextDelay(tt.prev, tt.ran); got != tt.want {
			t.Errorf("nextDelay(%v, ran %v) = %v, want %v", tt.prev, tt.ran, got, tt.want)
		}
	}
}
