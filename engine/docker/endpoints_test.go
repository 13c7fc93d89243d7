package docker

import (
	"testing"

	"github.com/berth-dev/berth/engine"
)

// TestNetworkEndpoints: a network's endpoints carry the container names,
// which is what a force-disconnect of a removed container needs.
func TestNetworkEndpoints(t *testing.T) {
	d := newDaemonTest(t)
	ctx := d.ctx()
	net := d.network("back")
	spec := d.spec("db", []string{"sleep"}, net)
	id := d.run(spec)
	got, err := d.e.NetworkEndpoints(ctx, net)
	if err != nil {
		t.Fatal(err)
	}
	want := engine.NetworkEndpoint{ContainerID: id, Name: spec.Name}
	if len(got) != 1 || got[0] != want {
		t.Errorf("NetworkEndpoints(%s) got %+v, want [%+v]", net, got, want)
	}
}
