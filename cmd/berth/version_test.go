package main

import (
	"encoding/json"
	"testing"
)

func TestVersion(t *testing.T) {
	tests := []struct {
		args []string
		want string
		code int
	}{
		{[]string{"version"}, "berth version " + version + "\n", 0},
		{[]string{"version", "--short"}, version + "\n", 0},
		{[]string{"version", "--format", "json"}, `{"version":"` + version + `"}` + "\n", 0},
		{[]string{"version", "--format", "xml"}, "", 1},
	}
	for _, tt := range tests {
		code, stdout, stderr := execute(t, nil, "", tt.args...)
		if code != tt.code || stdout != tt.want {
			t.Errorf("berth %v got code %d stdout %q stderr %q, want %d %q", tt.args, code, stdout, stderr, tt.code, tt.want)
		}
		if tt.code == 0 && tt.args[len(tt.args)-1] == "json" && !json.Valid([]byte(stdout)) {
			t.Errorf("berth %v printed invalid JSON %q", tt.args, stdout)
		}
	}
}
