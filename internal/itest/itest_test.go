package itest

import (
	"errors"
	"regexp"
	"testing"
)

func TestProjectName(t *testing.T) {
	tests := []struct {
		name, prefix string
		max          int
		want         string
	}{
		{"TestUp/With_Space", "it-", 30, `^it-up-with-space-[0-9a-f]{6}$`},
		{"TestAVeryLongNameIndeed", "nit-", 6, `^nit-averyl-[0-9a-f]{6}$`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ProjectName(named{t, tt.name}, tt.prefix, tt.max)
			if !regexp.MustCompile(tt.want).MatchString(got) {
				t.Errorf("ProjectName(%q, %q, %d) got %q, want %s", tt.name, tt.prefix, tt.max, got, tt.want)
			}
		})
	}
}

// named is a testing.TB with the name given.
type named struct {
	testing.TB
	name string
}

func (n named) Name() string { return n.name }

func TestUnavailable(t *testing.T) {
	for ci, want := range map[string]int{"": 0, "true": 1} {
		t.Setenv("CI", ci)
		if got := Unavailable("itest", errors.New("no daemon")); got != want {
			t.Errorf("CI=%q: Unavailable got exit code %d, want %d", ci, got, want)
		}
	}
}
