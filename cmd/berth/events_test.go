package main

import (
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/engine"
)

// TestEvents: events prints the project's service container events in
// compose's text or JSON lines, without compose labels, one-off
// containers, other projects, or services not named.
func TestEvents(t *testing.T) {
	at := time.Date(2026, 1, 1, 12, 0, 0, 123456000, time.UTC)
	ev := func(project, service, action, id string, oneoff bool) engine.Event {
		attrs := map[string]string{
			engine.LabelProject: project, engine.LabelService: service, engine.LabelOneoff: "False",
			"image": "app:latest", "name": project + "-" + service + "-1",
			"dev.berth.config": `{"environment":{"PASSWORD":"hunter2"}}`,
		}
		if oneoff {
			attrs[engine.LabelOneoff] = "True"
		}
		return engine.Event{Time: at, Action: action, ID: id, Attributes: attrs}
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"text", []string{"events", "--until", "now"},
			"2026-01-01 12:00:00.123456 container create aaa (image=app:latest, name=shop-web-1)\n" +
				"2026-01-01 12:00:00.123456 container start bbb (image=app:latest, name=shop-db-1)\n"},
		{"one service", []string{"events", "--until", "now", "db"},
			"2026-01-01 12:00:00.123456 container start bbb (image=app:latest, name=shop-db-1)\n"},
		{"json", []string{"events", "--json", "--until", "now", "web"},
			`{"action":"create","attributes":{"image":"app:latest","name":"shop-web-1"},"id":"aaa","service":"web","time":"2026-01-01T12:00:00.123456Z","type":"container"}` + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, shopCompose)
			h.f.Emit(ev("shop", "web", "create", "aaa", false))
			h.f.Emit(ev("other", "web", "create", "ccc", false))
			h.f.Emit(ev("shop", "web", "start", "ddd", true))
			h.f.Emit(ev("shop", "db", "start", "bbb", false))
			stdout, _ := h.mustRun(0, tt.args...)
			if stdout != tt.want {
				t.Errorf("berth %s printed\n%s\nwant\n%s", strings.Join(tt.args, " "), stdout, tt.want)
			}
		})
	}
}
