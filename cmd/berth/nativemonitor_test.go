package main

import (
	"testing"

	"github.com/berth-dev/berth/engine/native"
)

// A build without the native engine recognises monitors by monitorCommand
// to hand them over; it must be the name the engine starts them with.
func TestMonitorCommandIsNatives(t *testing.T) {
	if monitorCommand != native.MonitorCommand {
		t.Errorf("monitorCommand = %q, native.MonitorCommand = %q", monitorCommand, native.MonitorCommand)
	}
	for _, tc := range []struct {
		args []string
		want bool
	}{
		{[]string{"berth", native.MonitorCommand, "/r/containers/ab"}, true},
		{[]string{"berth", native.MonitorCommand}, true},
		{[]string{"berth", "up", native.MonitorCommand}, false},
		{[]string{"berth"}, false},
	} {
		if got := isNativeMonitor(tc.args); got != tc.want {
			t.Errorf("isNativeMonitor(%q) = %v, want %v", tc.args, got, tc.want)
		}
	}
}
