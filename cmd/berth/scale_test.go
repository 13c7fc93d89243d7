package main

import (
	"strings"
	"testing"
)

func TestScale(t *testing.T) {
	h := newHarness(t, `
services:
  web:
    image: app:latest
    depends_on: [db]
  db:
    image: app:latest
  cache:
    image: app:latest
`)
	h.mustRun(0, "up", "-d", "web")
	h.mustRun(0, "stop", "db")
	steps := []struct {
		args []string
		want map[string]string
	}{
		// --no-deps leaves db stopped and cache uncreated.
		{[]string{"scale", "--no-deps", "web=3"}, map[string]string{
			"shop-db-1": "exited", "shop-web-1": "running", "shop-web-2": "running", "shop-web-3": "running"}},
		// Without it, what web depends on starts too; cache stays out.
		{[]string{"scale", "web=1"}, map[string]string{"shop-db-1": "running", "shop-web-1": "running"}},
		{[]string{"scale", "web=0", "cache=2"}, map[string]string{
			"shop-db-1": "running", "shop-cache-1": "running", "shop-cache-2": "running"}},
	}
	for _, st := range steps {
		h.mustRun(0, st.args...)
		if got := h.containers(); !equalMaps(got, st.want) {
			t.Errorf("after %v got containers %v, want %v", st.args, got, st.want)
		}
	}
	for _, bad := range []struct{ arg, want string }{
		{"web", "invalid scale specifier: web"},
		{"web=x", "invalid scale specifier: web=x"},
		{"web=-1", "invalid scale specifier: web=-1"},
		{"nope=2", `"nope"`},
	} {
		if _, stderr := h.mustRun(1, "scale", bad.arg); !strings.Contains(stderr, bad.want) {
			t.Errorf("scale %s printed %q, want %q", bad.arg, stderr, bad.want)
		}
	}
	h.f.ResetCalls()
	h.mustDryRun("create container shop-web-2", "scale", "--dry-run", "web=2")
}
