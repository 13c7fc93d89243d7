package monitor

import (
	"testing"
)

// TestObserveWithoutMonitor checks what a container whose monitor is gone
// reads as: the exit its monitor recorded, or, when the monitor died
// before it could record one, exited with 255.
func TestObserveWithoutMonitor(t *testing.T) {
	tests := []struct {
		name     string
		state    *State
		status   string
		exitCode int
	}{
		{name: "never started", status: StatusCreated},
		{name: "exit recorded", state: &State{Status: StatusExited, ExitCode: 137}, status: StatusExited, exitCode: 137},
		{name: "died running", state: &State{Status: StatusRunning, Pid: 1 << 30}, status: StatusExited, exitCode: 255},
		{name: "died restarting", state: &State{Status: StatusRestarting, ExitCode: 3}, status: StatusExited, exitCode: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if tt.state != nil {
				if err := writeState(dir, *tt.state); err != nil {
					t.Fatal(err)
				}
			}
			s, err := Observe(dir, "observe-test")
			if err != nil {
				t.Fatalf("Observe: %v", err)
			}
			if s.Status != tt.status || s.ExitCode != tt.exitCode || s.MonitorAlive {
				t.Errorf("Observe = %s, code %d, monitor alive %v; want %s, code %d, no monitor", s.Status, s.ExitCode, s.MonitorAlive, tt.status, tt.exitCode)
			}
		})
	}
}
