package main

import (
	"testing"
)

func TestStopStartRestart(t *testing.T) {
	h := newHarness(t, shopCompose)
	h.mustRun(0, "up", "-d")
	steps := []struct {
		args []string
		want map[string]string
	}{
		{[]string{"stop", "web"}, map[string]string{"shop-db-1": "running", "shop-web-1": "exited"}},
		{[]string{"stop", "-t", "1"}, map[string]string{"shop-db-1": "exited", "shop-web-1": "exited"}},
		{[]string{"start", "web"}, map[string]string{"shop-db-1": "running", "shop-web-1": "running"}},
		{[]string{"restart", "--no-deps", "web"}, map[string]string{"shop-db-1": "running", "shop-web-1": "running"}},
	}
	for _, st := range steps {
		h.mustRun(0, st.args...)
		if got := h.containers(); !equalMaps(got, st.want) {
			t.Errorf("after %v got containers %v, want %v", st.args, got, st.want)
		}
	}
	h.f.ResetCalls()
	h.mustRun(0, "restart", "--no-deps", "web")
	for _, c := range h.f.Mutations() {
		if len(c.Args) > 0 && c.Args[0] == h.containerID("shop-db-1") {
			t.Errorf("restart --no-deps web touched db: %v", c)
		}
	}
}
