package native

import (
	"regexp"
	"testing"
)

func TestValidVolumeName(t *testing.T) {
	for _, tc := range []struct {
		name string
		want bool
	}{
		{"data", true},
		{"x", true},
		{"0", true},
		{"Proj_data.v1-2", true},
		{"", false},
		{"_data", false},
		{".data", false},
		{"-data", false},
		{"..", false},
		{"a/b", false},
		{"../etc", false},
		{"a b", false},
		{"a:b", false},
		{"é", false},
		{"a\x00", false},
	} {
		if got := validVolumeName(tc.name); got != tc.want {
			t.Errorf("validVolumeName(%q) = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestValidVolumeNameIsDockersRule checks the loop against docker's rule as
// a regexp, over every string of up to two bytes from an alphabet that
// holds each class of character the rule tells apart.
func TestValidVolumeNameIsDockersRule(t *testing.T) {
	rule := regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`)
	alphabet := []string{"a", "Z", "7", "_", ".", "-", "/", " ", "\x00", "\xff", "é"}
	names := []string{""}
	for _, a := range alphabet {
		names = append(names, a)
		for _, b := range alphabet {
			names = append(names, a+b)
		}
	}
	for _, n := range names {
		if got, want := validVolumeName(n), rule.MatchString(n); got != want {
			t.Errorf("validVolumeName(%q) = %v, docker's rule says %v", n, got, want)
		}
	}
}
