package reconcile

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/berth-dev/berth/engine"
)

// TestRecordHoldsNoValue: no label berth puts on a container carries an
// environment value, yet the next plan still names the key that changed.
func TestRecordHoldsNoValue(t *testing.T) {
	f := newFake()
	up(t, f, shop, UpOptions{})
	for _, c := range observe(t, f).Containers {
		if _, ok := c.Labels[LabelConfig]; !ok {
			t.Errorf("%s has no %s label", c.Name, LabelConfig)
		}
		for k, v := range c.Labels {
			if strings.Contains(k+"="+v, "s3cret") {
				t.Errorf("%s label %s holds the value of DB_PASSWORD: %s", c.Name, k, v)
			}
		}
	}
	changed := edit(t, shop, "DB_PASSWORD: s3cret", "DB_PASSWORD: n3wsecret")
	plan := planUp(t, load(t, changed), observe(t, f), UpOptions{})
	want := "env-changed: environment.DB_PASSWORD changed (value hidden)"
	if got := plan.String(); !strings.Contains(got, want) || strings.Contains(got, "s3cret") || strings.Contains(got, "n3wsecret") {
		t.Errorf("PlanUp(DB_PASSWORD changed) got\n%s\nwant %q and no value", got, want)
	}
}

// TestRecordV1 reads a container from before digests: its label holds the
// hash input itself, and a plan still names the changed key.
func TestRecordV1(t *testing.T) {
	f := newFake()
	up(t, f, shop, UpOptions{})
	s := observe(t, f)
	input, err := hashInput(load(t, shop).Services["web"])
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range s.Containers {
		if c.Name == "shop-web-1" {
			delete(c.Labels, LabelConfig)
			c.Labels[LabelConfigV1] = string(input)
			s.Containers[i] = c
		}
	}
	plan := planUp(t, load(t, shop), s, UpOptions{})
	if !plan.Empty() {
		t.Errorf("PlanUp(unchanged, v1 record) got\n%s\nwant nothing to do", plan)
	}
	changed := edit(t, shop, "DB_HOST: db", "DB_HOST: db2")
	plan = planUp(t, load(t, changed), s, UpOptions{})
	if want := "env-changed: environment.DB_HOST changed (value hidden)"; !strings.Contains(plan.String(), want) {
		t.Errorf("PlanUp(DB_HOST changed, v1 record) got\n%s\nwant %q", plan, want)
	}
}

// TestRecordForeignHash: a record that belongs to another config hash
// (labels copied onto a container someone else created) is ignored.
func TestRecordForeignHash(t *testing.T) {
	r, err := newRecord([]byte(`{"environment":{"A":"x"}}`))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(r)
	c := engine.Container{Labels: map[string]string{LabelConfig: string(b), engine.LabelConfigHash: "other"}}
	if got := recordedConfig(c); got != nil {
		t.Errorf("recordedConfig(record of another hash) got %+v, want nil", got)
	}
	c.Labels[engine.LabelConfigHash] = r.Hash
	if got := recordedConfig(c); got == nil {
		t.Errorf("recordedConfig(own record) got nil")
	}
}
