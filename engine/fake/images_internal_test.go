package fake

import "testing"

func TestNormalizeRef(t *testing.T) {
	tests := map[string]string{
		"app":                              "app:latest",
		"app:1":                            "app:1",
		"docker.io/library/app":            "app:latest",
		"docker.io/me/app:2":               "me/app:2",
		"localhost:5000/app":               "localhost:5000/app:latest",
		"localhost:5000/app:3":             "localhost:5000/app:3",
		"app@sha256:0123":                  "app@sha256:0123",
		"index.docker.io/library/app:edge": "app:edge",
	}
	for in, want := range tests {
		if got := normalizeRef(in); got != want {
			t.Errorf("normalizeRef(%q) got %q, want %q", in, got, want)
		}
	}
}
