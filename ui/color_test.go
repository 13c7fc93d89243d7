package ui

import "testing"

func TestUseColor(t *testing.T) {
	tests := []struct {
		name    string
		ansi    string
		tty     bool
		env     map[string]string
		want    bool
		wantErr bool
	}{
		{name: "auto on a terminal", ansi: "auto", tty: true, want: true},
		{name: "auto off a terminal", ansi: "auto", tty: false, want: false},
		{name: "empty means auto", ansi: "", tty: true, want: true},
		{name: "NO_COLOR turns auto off", ansi: "auto", tty: true, env: map[string]string{"NO_COLOR": "1"}, want: false},
		{name: "empty NO_COLOR is ignored", ansi: "auto", tty: true, env: map[string]string{"NO_COLOR": ""}, want: true},
		{name: "dumb terminal", ansi: "auto", tty: true, env: map[string]string{"TERM": "dumb"}, want: false},
		{name: "always beats NO_COLOR", ansi: "always", tty: false, env: map[string]string{"NO_COLOR": "1"}, want: true},
		{name: "never on a terminal", ansi: "never", tty: true, want: false},
		{name: "unknown mode", ansi: "sometimes", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := UseColor(tt.ansi, tt.tty, tt.env)
			if (err != nil) != tt.wantErr {
				t.Fatalf("UseColor(%q, %v, %v) error %v, want error %v", tt.ansi, tt.tty, tt.env, err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("UseColor(%q, %v, %v) got %v, want %v", tt.ansi, tt.tty, tt.env, got, tt.want)
			}
		})
	}
}

func TestNewPaintIgnoresGlobalSwitch(t *testing.T) {
	// Under go test stdout is not a terminal, so fatih/color's global switch
	// is off; an enabled paint must colour anyway.
	got := newPaint(true, 32)("ok")
	if want := "\x1b[32mok\x1b[0m"; got != want {
		t.Errorf("newPaint(true, green)(ok) got %q, want %q", got, want)
	}
	if got := newPaint(false, 32)("ok"); got != "ok" {
		t.Errorf("newPaint(false, green)(ok) got %q, want %q", got, "ok")
	}
}
