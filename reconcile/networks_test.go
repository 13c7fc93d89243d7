package reconcile

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/fake"
)

// TestNetworkHashIsComposes pins what the hash covers: the network's JSON
// as compose-go encodes it, compose's own labels left out. A compose-go
// upgrade that changes the encoding shows up here, as it would break
// adoption of networks created by docker compose.
func TestNetworkHashIsComposes(t *testing.T) {
	p := load(t, shop+"    networks: [front]\nnetworks:\n  front:\n    driver: bridge\n    driver_opts: {a: b}\n    labels: {x: y}\n")
	n := p.Networks["front"]
	n.CustomLabels = types.Labels{engine.LabelProject: "shop"}
	want := `{"name":"shop_front","driver":"bridge","driver_opts":{"a":"b"},"ipam":{},"labels":{"x":"y"}}`
	if b, _ := json.Marshal(n); string(b) != want {
		t.Fatalf("network JSON got %s, want %s", b, want)
	}
	if got, _ := NetworkHash(n); got != sha256Hex([]byte(want)) {
		t.Errorf("NetworkHash got %s, want sha256 of %s", got, want)
	}
	v := types.VolumeConfig{Name: "shop_data"}
	if got, _ := VolumeHash(v); got != sha256Hex([]byte(`{"name":"shop_data","driver":"local"}`)) {
		t.Errorf("VolumeHash(no driver) got %s, want the hash with driver local", got)
	}
}

// TestNetworkLabels: networks and volumes berth creates carry compose's
// config hash.
func TestNetworkLabels(t *testing.T) {
	f := newFake()
	up(t, f, shop, UpOptions{})
	p := load(t, shop)
	s := observe(t, f)
	want, _ := NetworkHash(p.Networks["default"])
	if len(s.Networks) != 1 || s.Networks[0].Labels[engine.LabelConfigHash] != want {
		t.Errorf("networks after up got %+v, want shop_default with config hash %s", s.Networks, want)
	}
	vol, err := f.InspectVolume(context.Background(), "shop_data")
	if err != nil {
		t.Fatal(err)
	}
	if want, _ := VolumeHash(p.Volumes["data"]); vol.Labels[engine.LabelConfigHash] != want {
		t.Errorf("volume shop_data config hash got %q, want %s", vol.Labels[engine.LabelConfigHash], want)
	}
}

// TestNetworkWithoutHash: a network without a config hash (an older berth
// created it) is kept, as compose keeps it, with a warning when what the
// engine reports differs.
func TestNetworkWithoutHash(t *testing.T) {
	f := fake.New().WithImage(baseImages()...).WithNetwork(engine.Network{Name: "shop_default", Driver: "bridge",
		Labels: map[string]string{engine.LabelProject: "shop", engine.LabelNetwork: "default"}}).Build()
	yaml := shop + "networks:\n  default:\n    labels: {tier: front}\n"
	plan := planUp(t, load(t, yaml), observe(t, f), UpOptions{})
	for _, a := range plan.Actions {
		if a.Target.Type == RefNetwork {
			t.Errorf("PlanUp(network without hash) got %s %s, want the network left alone", a.Kind, a.Target.Name)
		}
	}
	if w := strings.Join(plan.Warnings, "\n"); !strings.Contains(w, "network shop_default config changed (labels.tier)") {
		t.Errorf("PlanUp(network without hash) got warnings %q, want one naming labels.tier", plan.Warnings)
	}
}

// TestNetworkRecreateInUse: a network that containers outside the project
// use cannot be recreated; Apply says which and what to do instead of
// keeping it (as down does) and failing to create it again.
func TestNetworkRecreateInUse(t *testing.T) {
	f := newFake()
	up(t, f, shop, UpOptions{})
	ctx := context.Background()
	id, err := f.CreateContainer(ctx, engine.ContainerSpec{Name: "stranger", Service: types.ServiceConfig{Image: "busybox"},
		Networks: []engine.NetworkAttachment{{Network: "shop_default"}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.StartContainer(ctx, id); err != nil {
		t.Fatal(err)
	}
	yaml := shop + "networks:\n  default:\n    labels: {tier: front}\n"
	err = Apply(ctx, planUp(t, load(t, yaml), observe(t, f), UpOptions{}), f, ApplyOptions{StateDir: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "network shop_default cannot be recreated: containers outside the project use it") {
		t.Errorf("Apply(recreate a network a stranger uses) got %v, want it named", err)
	}
}
