package main

import (
	"strings"
	"testing"
)

func TestPauseUnpause(t *testing.T) {
	h := newHarness(t, shopCompose)
	withStrangers(h)
	h.mustRun(0, "up", "-d")
	h.f.ResetCalls()
	steps := []struct {
		args  []string
		want  map[string]string
		lines []string
	}{
		{[]string{"pause", "web"}, map[string]string{"shop-db-1": "running", "shop-web-1": "paused"},
			[]string{"Container shop-web-1  Pausing", "Container shop-web-1  Paused"}},
		// web is paused already: only db changes, where compose would fail.
		{[]string{"pause"}, map[string]string{"shop-db-1": "paused", "shop-web-1": "paused"},
			[]string{"Container shop-db-1  Paused"}},
		{[]string{"unpause", "db"}, map[string]string{"shop-db-1": "running", "shop-web-1": "paused"},
			[]string{"Container shop-db-1  Unpausing", "Container shop-db-1  Unpaused"}},
		{[]string{"unpause"}, map[string]string{"shop-db-1": "running", "shop-web-1": "running"},
			[]string{"Container shop-web-1  Unpaused"}},
		{[]string{"unpause"}, map[string]string{"shop-db-1": "running", "shop-web-1": "running"}, nil},
	}
	for _, st := range steps {
		_, stderr := h.mustRun(0, append([]string{"--progress", "plain"}, st.args...)...)
		if got := h.containers(); !equalMaps(got, st.want) {
			t.Errorf("after %v got containers %v, want %v", st.args, got, st.want)
		}
		for _, l := range st.lines {
			if !strings.Contains(stderr, l+"\n") {
				t.Errorf("%v printed\n%s\nwant the line %q", st.args, stderr, l)
			}
		}
		if st.lines == nil && stderr != "" {
			t.Errorf("%v with nothing to do printed %q, want nothing", st.args, stderr)
		}
	}
	strangersUntouched(t, h)
	h.f.ResetCalls()
	h.mustDryRun("pause container shop-db-1", "pause", "--dry-run")
}
