package native

import (
	"context"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/vishvananda/netlink"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/native/netctl"
	"github.com/berth-dev/berth/internal/testimage"
)

// TestBridgeDeletedBehindBerth deletes a network's bridge after the engine
// set it up: the engine remembers having ensured it, and must still bring
// it back for the next container rather than trust its memory.
func TestBridgeDeletedBehindBerth(t *testing.T) {
	e := newTestEngine(t, testimage.Archive(t))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const project = "brgone"
	netName := project + "_default"
	netID, err := e.CreateNetwork(ctx, engine.NetworkSpec{Name: netName, Config: types.NetworkConfig{Name: netName},
		Labels: map[string]string{engine.LabelProject: project, engine.LabelNetwork: "default"}})
	if err != nil {
		t.Fatal(err)
	}
	n, err := e.findNetwork(netID)
	if err != nil {
		t.Fatal(err)
	}
	br := n.bridge().Name
	link, err := netlink.LinkByName(br)
	if err != nil {
		t.Fatalf("bridge %s after CreateNetwork: %v", br, err)
	}
	if err := netlink.LinkDel(link); err != nil {
		t.Fatal(err)
	}
	id := runTestContainer(ctx, t, e, project, types.ServiceConfig{}, netName)
	if !netctl.BridgeExists(br) {
		t.Fatalf("bridge %s was not created again for the container", br)
	}
	c, err := e.readContainer(id)
	if err != nil {
		t.Fatal(err)
	}
	veth, err := netlink.LinkByName(c.Networks[0].hostVeth(id))
	if err != nil {
		t.Fatalf("the container's veth: %v", err)
	}
	if got, want := veth.Attrs().MasterIndex, mustLink(t, br).Attrs().Index; got != want {
		t.Errorf("the container's veth is a port of link %d, want bridge %s (%d)", got, br, want)
	}
}

func mustLink(t *testing.T, name string) netlink.Link {
	t.Helper()
	l, err := netlink.LinkByName(name)
	if err != nil {
		t.Fatal(err)
	}
	return l
}
