package reconcile

import (
	"testing"

	"github.com/berth-dev/berth/engine"
)

// TestUpLabelsStayOutOfTheHash checks that berth's own labels (a TTL, a
// lease owner) reach every container, network and volume an up creates,
// and that a later up with other values, or none, changes nothing: they
// are not part of any config hash.
func TestUpLabelsStayOutOfTheHash(t *testing.T) {
	const yaml = `
services:
  web:
    image: example/api:1.4
    labels: {tier: front}
    networks: [default, back]
    volumes: [data:/data]
networks:
  back: {labels: {zone: a}}
volumes:
  data: {}
`
	f := newFake()
	first := map[string]string{engine.LabelTTLUntil: "2026-01-01T00:00:00Z", engine.LabelLeaseOwner: "host/1/abc"}
	up(t, f, yaml, UpOptions{Labels: first})
	s := observe(t, f)
	check := func(kind, name string, labels map[string]string) {
		t.Helper()
		for k, v := range first {
			if labels[k] != v {
				t.Errorf("%s %s: label %s got %q, want %q", kind, name, k, labels[k], v)
			}
		}
	}
	if len(s.Containers) != 1 || len(s.Networks) != 2 || len(s.Volumes) != 1 {
		t.Fatalf("after up got %d containers, %d networks, %d volumes; want 1, 2, 1", len(s.Containers), len(s.Networks), len(s.Volumes))
	}
	check("container", s.Containers[0].Name, s.Containers[0].Labels)
	if got := s.Containers[0].Labels["tier"]; got != "front" {
		t.Errorf("container label tier got %q, want front", got)
	}
	for _, n := range s.Networks {
		check("network", n.Name, n.Labels)
	}
	check("volume", s.Volumes[0].Name, s.Volumes[0].Labels)

	for _, labels := range []map[string]string{nil, {engine.LabelTTLUntil: "2030-01-01T00:00:00Z"}} {
		if again := planUp(t, load(t, yaml), observe(t, f), UpOptions{Labels: labels}); !again.Empty() {
			t.Errorf("PlanUp with labels %v after up got\n%s\nwant nothing to do", labels, again)
		}
	}
}
