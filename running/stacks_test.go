package running

import (
	"testing"
	"time"

	"github.com/berth-dev/berth/engine"
)

func TestStacks(t *testing.T) {
	t0 := time.Date(2026, 12, 6, 1, 0, 0, 0, time.UTC)
	with := func(c engine.Container, created time.Time, kv ...string) engine.Container {
		c.Created = created
		for i := 0; i+1 < len(kv); i += 2 {
			c.Labels[kv[i]] = kv[i+1]
		}
		return c
	}
	cs := []engine.Container{
		with(ctr("shop-staging-ci-77-web-1", "shop-staging-ci-77", "web", "1", "running", false), t0.Add(time.Minute),
			engine.LabelEnv, "staging", engine.LabelCIID, "77", engine.LabelTTLUntil, "2026-12-06T02:00:00Z", engine.LabelLeaseOwner, "ci/1/aa"),
		with(ctr("shop-staging-ci-77-db-1", "shop-staging-ci-77", "db", "1", "running", false), t0,
			engine.LabelEnv, "staging", engine.LabelCIID, "77", engine.LabelTTLUntil, "2026-12-06T03:00:00Z"),
		with(ctr("blog-dev-web-1", "blog-dev", "web", "1", "running", false), t0, engine.LabelEnv, "dev", engine.LabelLeaseOwner, "me/2/bb"),
		with(ctr("plain-web-1", "plain", "web", "1", "exited", false), time.Time{}),
	}
	leases := []engine.Container{
		{Name: "shop-staging-ci-77-berth-reaper", State: "running", Labels: map[string]string{engine.LabelLease: "shop-staging-ci-77"}},
		{Name: "blog-dev-berth-reaper", State: "exited", Labels: map[string]string{engine.LabelLease: "blog-dev"}},
	}
	got := Stacks(cs, leases)
	type row struct{ name, base, env, ci, ttl, lease string }
	want := []row{
		{"blog-dev", "blog", "dev", "", "", "expired"},
		{"plain", "plain", "", "", "", ""},
		{"shop-staging-ci-77", "shop", "staging", "77", "2026-12-06T03:00:00Z", "live"},
	}
	if len(got) != len(want) {
		t.Fatalf("Stacks got %d rows %+v, want %d", len(got), got, len(want))
	}
	for i, w := range want {
		g := got[i]
		if (row{g.Name, g.BaseProject, g.Environment, g.CIID, g.TTLUntil, g.Lease}) != w {
			t.Errorf("Stacks[%d] got %+v, want %+v", i, g, w)
		}
	}
	if !got[2].Created.Equal(t0) {
		t.Errorf("Stacks: shop created got %s, want the oldest container's %s", got[2].Created, t0)
	}
	if got[1].Status != "exited(1)" {
		t.Errorf("Stacks: plain status got %q, want Projects' exited(1)", got[1].Status)
	}
	if kept := FilterStacks(NameFilter{"^blog"}, got); len(kept) != 1 || kept[0].Name != "blog-dev" {
		t.Errorf("FilterStacks(^blog) got %+v", kept)
	}
}
