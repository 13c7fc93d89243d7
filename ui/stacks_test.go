package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/running"
)

func TestWriteStacks(t *testing.T) {
	now := time.Date(2026, 12, 6, 2, 0, 0, 0, time.UTC)
	rows := []running.Stack{
		{Project: running.Project{Name: "blog-dev", Status: "running(1)", ConfigFiles: "/srv/blog/compose.yaml"},
			BaseProject: "blog", Environment: "dev", Created: now.Add(-3 * time.Hour), Lease: "expired", LeaseOwner: "me/2/bb"},
		{Project: running.Project{Name: "shop-ci-77", Status: "running(2)", ConfigFiles: "/srv/shop/compose.yaml"},
			BaseProject: "shop", CIID: "77", Created: now.Add(-5 * time.Minute), TTLUntil: "2026-12-06T04:00:00Z"},
		{Project: running.Project{Name: "old", Status: "exited(1)", ConfigFiles: "N/A"},
			BaseProject: "old", TTLUntil: "2026-12-06T01:00:00Z"},
	}
	for _, format := range []string{"table", "json"} {
		var b strings.Builder
		if err := WriteStacks(&b, rows, format, now); err != nil {
			t.Fatal(err)
		}
		golden(t, "ls_wide_"+format+".golden", b.String())
	}
	var b strings.Builder
	if err := WriteStacks(&b, nil, "json", now); err != nil || b.String() != "[]\n" {
		t.Errorf("WriteStacks(nil, json) got %q, %v, want []", b.String(), err)
	}
}

func TestShortDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		20 * time.Second: "<1m", 45 * time.Minute: "45m", 2 * time.Hour: "2h", 125 * time.Minute: "2h5m", 59*time.Minute + 50*time.Second: "1h",
	} {
		if got := short(d); got != want {
			t.Errorf("short(%s) got %q, want %q", d, got, want)
		}
	}
}
