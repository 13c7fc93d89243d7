package planner

import "testing"

func TestDidYouMean(t *testing.T) {
	known := []string{"a", "db", "postgres", "web", "worker"}
	tests := []struct{ name, want string }{
		{"dbb", ` (did you mean "db"?)`},
		{"wbe", ` (did you mean "web"?)`}, // swapped letters
		{"wokrer", ` (did you mean "worker"?)`},
		{"postgress", ` (did you mean "postgres"?)`},
		{"z", ""}, // one letter is not a typo of another
		{"redis", ""},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := didYouMean(tt.name, known); got != tt.want {
				t.Errorf("didYouMean(%q) got %q, want %q", tt.name, got, tt.want)
			}
		})
	}
}
