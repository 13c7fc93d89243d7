package editdist

import "testing"

func TestDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"web", "web", 0},
		{"", "db", 2},
		{"dbb", "db", 1},         // deletion
		{"wb", "web", 1},         // insertion
		{"wab", "web", 1},        // substitution
		{"wbe", "web", 1},        // adjacent transposition
		{"image", "imgae", 1},    // transposition inside a word
		{"ca", "abc", 3},         // no edit may touch a substring twice
		{"volumes", "volume", 1}, // plural
		{"networks", "netwrk", 2},
	}
	for _, tt := range tests {
		if got := Distance(tt.a, tt.b); got != tt.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := Distance(tt.b, tt.a); got != tt.want {
			t.Errorf("Distance(%q, %q) = %d, want %d (symmetric)", tt.b, tt.a, got, tt.want)
		}
	}
}
