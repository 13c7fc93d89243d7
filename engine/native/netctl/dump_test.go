package netctl

import (
	"errors"
	"testing"

	"github.com/vishvananda/netlink"
)

func TestRetryDump(t *testing.T) {
	other := errors.New("permission denied")
	tests := []struct {
		name      string
		results   []error // what each call returns, in order; the last repeats
		wantCalls int
		wantErr   error
		wantValue int
	}{
		{name: "first answer", results: []error{nil}, wantCalls: 1, wantValue: 1},
		{name: "interrupted twice", results: []error{netlink.ErrDumpInterrupted, netlink.ErrDumpInterrupted, nil}, wantCalls: 3, wantValue: 3},
		{name: "other error not retried", results: []error{other}, wantCalls: 1, wantErr: other, wantValue: 1},
		{name: "always interrupted", results: []error{netlink.ErrDumpInterrupted}, wantCalls: dumpAttempts, wantErr: netlink.ErrDumpInterrupted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := 0
			got, err := retryDump(func() (int, error) {
				calls++
				return calls, tt.results[min(calls, len(tt.results))-1]
			})
			if calls != tt.wantCalls {
				t.Errorf("calls = %d, want %d", calls, tt.wantCalls)
			}
			if !errors.Is(err, tt.wantErr) || (err == nil) != (tt.wantErr == nil) {
				t.Errorf("err = %v, want %v", err, tt.wantErr)
			}
			if got != tt.wantValue {
				t.Errorf("value = %d, want %d (a result of an interrupted dump must not be returned)", got, tt.wantValue)
			}
		})
	}
}
