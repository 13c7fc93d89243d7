package engine

import "testing"

func TestParseSignal(t *testing.T) {
	tests := []struct {
		in   string
		name string
		num  int
	}{
		{"SIGKILL", "SIGKILL", 9},
		{"kill", "SIGKILL", 9},
		{"Term", "SIGTERM", 15},
		{"9", "SIGKILL", 9},
		{"1", "SIGHUP", 1},
		{"6", "SIGABRT", 6},
		{"40", "40", 40},
		{"SIGRTMIN+3", "SIGRTMIN+3", 37},
		{"rtmax-2", "SIGRTMAX-2", 62},
	}
	for _, tt := range tests {
		name, num, err := ParseSignal(tt.in)
		if err != nil || name != tt.name || num != tt.num {
			t.Errorf("ParseSignal(%q) got %q, %d, %v, want %q, %d", tt.in, name, num, err, tt.name, tt.num)
		}
	}
	for _, bad := range []string{"", "0", "65", "-1", "SIGNOPE", "RTMIN+40", "RTMAX-x", "SIG"} {
		if name, _, err := ParseSignal(bad); err == nil {
			t.Errorf("ParseSignal(%q) got %q, want an error", bad, name)
		}
	}
}
