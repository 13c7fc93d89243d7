package ui

import (
	"strings"
	"testing"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/running"
)

func TestWriteTop(t *testing.T) {
	ctr := func(name, service, number string) engine.Container {
		return engine.Container{Name: name, Labels: map[string]string{engine.LabelService: service, engine.LabelNumber: number}}
	}
	ps := []string{"UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"}
	tables := []running.Processes{
		{Container: ctr("shop-db-1", "db", "1"), Processes: engine.Processes{Titles: ps, Rows: [][]string{
			{"999", "4242", "4200", "0", "10:00", "?", "00:00:01", "postgres"},
			{"999", "4250", "4242", "0", "10:00", "?", "00:00:00", "postgres: checkpointer"},
		}}},
		// A container whose engine reports another column: it goes before
		// CMD, and the others show "-" for it.
		{Container: ctr("shop-web-2", "web", "2"), Processes: engine.Processes{
			Titles: []string{"UID", "GID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"},
			Rows:   [][]string{{"root", "0", "5000", "4990", "1", "10:01", "?", "00:00:02", "sleep 300"}},
		}},
		{Container: engine.Container{Name: "loose"}, Processes: engine.Processes{Titles: ps}},
	}
	var b strings.Builder
	if err := WriteTop(&b, tables); err != nil {
		t.Fatal(err)
	}
	golden(t, "top.golden", b.String())

	b.Reset()
	if err := WriteTop(&b, tables[2:]); err != nil || b.Len() != 0 {
		t.Errorf("WriteTop without processes printed %q, %v, want nothing", b.String(), err)
	}
}
