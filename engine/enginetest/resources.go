package enginetest

import (
	"errors"
	"slices"
	"testing"

	"github.com/berth-dev/berth/engine"
)

func testNetworkLifecycle(t *testing.T, e *env) {
	id := e.network(e.project, "default")
	e.network(e.other, "default")
	name := e.project + "_default"

	for _, ref := range []string{name, id} {
		got, err := e.eng.InspectNetwork(e.ctx, ref)
		if err != nil {
			t.Fatalf("InspectNetwork(%s): %v", ref, err)
		}
		if got.ID != id || got.Name != name || got.Labels[engine.LabelProject] != e.project {
			t.Errorf("InspectNetwork(%s) got %s (%s) labels %v, want %s (%s) in project %s",
				ref, got.Name, got.ID, got.Labels, name, id, e.project)
		}
	}
	list, err := e.eng.Networks(e.ctx, e.project)
	if err != nil {
		t.Fatalf("Networks(%s): %v", e.project, err)
	}
	if len(list) != 1 || list[0].Name != name {
		t.Errorf("Networks(%s) got %v, want only %s", e.project, list, name)
	}
	if err := e.eng.RemoveNetwork(e.ctx, id); err != nil {
		t.Fatalf("RemoveNetwork(%s): %v", id, err)
	}
	_, err = e.eng.InspectNetwork(e.ctx, name)
	wantErr(t, "InspectNetwork(removed)", err, engine.ErrNotFound)
}

func testDuplicateNetworkName(t *testing.T, e *env) {
	e.network(e.project, "default")
	_, err := e.eng.CreateNetwork(e.ctx, engine.NetworkSpec{
		Name:   e.project + "_default",
		Labels: map[string]string{engine.LabelProject: e.project, engine.LabelNetwork: "default"},
	})
	wantErr(t, "CreateNetwork(duplicate)", err, engine.ErrConflict)
}

func testNetworkActiveEndpoints(t *testing.T, e *env) {
	netID := e.network(e.project, "default")
	spec := e.spec(e.project, "web")
	spec.Networks = []engine.NetworkAttachment{{Network: e.project + "_default", Aliases: []string{"web"}}}
	id := e.create(spec)
	e.start(id)

	err := e.eng.RemoveNetwork(e.ctx, netID)
	wantErr(t, "RemoveNetwork(with a running container)", err, engine.ErrActiveEndpoints)
	if _, err := e.eng.InspectNetwork(e.ctx, netID); err != nil {
		t.Errorf("InspectNetwork after a refused remove: %v", err)
	}

	if err := e.eng.RemoveContainer(e.ctx, id, engine.RemoveOptions{Force: true}); err != nil {
		t.Fatalf("RemoveContainer(%s, force): %v", id, err)
	}
	if err := e.eng.RemoveNetwork(e.ctx, netID); err != nil {
		t.Errorf("RemoveNetwork(%s) once its container is gone: %v", netID, err)
	}
}

func testAttachesAllNetworks(t *testing.T, e *env) {
	e.network(e.project, "front")
	e.network(e.project, "back")
	spec := e.spec(e.project, "web")
	spec.Networks = []engine.NetworkAttachment{
		{Network: e.project + "_front", Aliases: []string{"web"}},
		{Network: e.project + "_back", Aliases: []string{"web"}},
	}
	id := e.create(spec)
	// Engines that attach one network at create connect the rest before
	// start, so the contract holds from start on.
	e.start(id)
	got := e.inspect(id)
	for _, n := range []string{e.project + "_front", e.project + "_back"} {
		if _, ok := got.Networks[n]; !ok {
			t.Errorf("InspectContainer(%s).Networks got %v, want %s among them", id, keys(got.Networks), n)
		}
	}
}

func testConnectDisconnect(t *testing.T, e *env) {
	e.network(e.project, "front")
	backID := e.network(e.project, "back")
	front, back := e.project+"_front", e.project+"_back"
	spec := e.spec(e.project, "web")
	spec.Networks = []engine.NetworkAttachment{{Network: front}}
	id := e.create(spec)
	e.start(id)

	if err := e.eng.ConnectNetwork(e.ctx, back, id, engine.NetworkAttachment{Network: back, Aliases: []string{"api"}}); err != nil {
		t.Fatalf("ConnectNetwork(%s, %s): %v", back, id, err)
	}
	got := e.inspect(id)
	if want := []string{back, front}; !slices.Equal(keys(got.Networks), want) {
		t.Errorf("after connect: Networks got %v, want %v", keys(got.Networks), want)
	}
	if ep := got.Networks[back]; ep.NetworkID != backID {
		t.Errorf("after connect: Networks[%s].NetworkID got %q, want %q", back, ep.NetworkID, backID)
	}
	if err := e.eng.DisconnectNetwork(e.ctx, back, id, false); err != nil {
		t.Fatalf("DisconnectNetwork(%s, %s): %v", back, id, err)
	}
	got = e.inspect(id)
	if want := []string{front}; !slices.Equal(keys(got.Networks), want) {
		t.Errorf("after disconnect: Networks got %v, want %v", keys(got.Networks), want)
	}
}

func keys(m map[string]engine.Endpoint) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func (e *env) volume(project, name string) string {
	e.t.Helper()
	full := project + "_" + name
	err := e.eng.CreateVolume(e.ctx, engine.VolumeSpec{
		Name:   full,
		Labels: map[string]string{engine.LabelProject: project, engine.LabelVolume: name},
	})
	if err != nil {
		e.t.Fatalf("CreateVolume(%s): %v", full, err)
	}
	return full
}

func testVolumeLifecycle(t *testing.T, e *env) {
	name := e.volume(e.project, "data")
	e.volume(e.other, "data")

	got, err := e.eng.InspectVolume(e.ctx, name)
	if err != nil {
		t.Fatalf("InspectVolume(%s): %v", name, err)
	}
	if got.Name != name || got.Labels[engine.LabelVolume] != "data" || got.Driver == "" {
		t.Errorf("InspectVolume(%s) got %+v, want name %s, volume label data, a driver", name, got, name)
	}
	list, err := e.eng.Volumes(e.ctx, e.project)
	if err != nil {
		t.Fatalf("Volumes(%s): %v", e.project, err)
	}
	if len(list) != 1 || list[0].Name != name {
		t.Errorf("Volumes(%s) got %v, want only %s", e.project, list, name)
	}
	if err := e.eng.RemoveVolume(e.ctx, name); err != nil {
		t.Fatalf("RemoveVolume(%s): %v", name, err)
	}
	_, err = e.eng.InspectVolume(e.ctx, name)
	wantErr(t, "InspectVolume(removed)", err, engine.ErrNotFound)
}

func testVolumeInUse(t *testing.T, e *env) {
	name := e.volume(e.project, "data")
	spec := e.spec(e.project, "db")
	spec.Service.Volumes = append(spec.Service.Volumes, volumeMount(name, "/data"))
	id := e.create(spec)

	got := e.inspect(id)
	if !slices.ContainsFunc(got.Mounts, func(m engine.Mount) bool { return m.Type == "volume" && m.Name == name && m.Destination == "/data" }) {
		t.Errorf("InspectContainer(%s).Mounts got %+v, want volume %s at /data", id, got.Mounts, name)
	}
	err := e.eng.RemoveVolume(e.ctx, name)
	wantErr(t, "RemoveVolume(mounted by a container)", err, engine.ErrConflict)
	if err := e.eng.RemoveContainer(e.ctx, id, engine.RemoveOptions{}); err != nil {
		t.Fatalf("RemoveContainer(%s): %v", id, err)
	}
	if err := e.eng.RemoveVolume(e.ctx, name); err != nil {
		t.Errorf("RemoveVolume(%s) once its container is gone: %v", name, err)
	}
}

func testImages(t *testing.T, e *env) {
	img, err := e.eng.InspectImage(e.ctx, e.image)
	if err != nil {
		t.Fatalf("InspectImage(%s): %v", e.image, err)
	}
	if img.ID == "" {
		t.Fatalf("InspectImage(%s) got an empty ID", e.image)
	}
	if again, err := e.eng.InspectImage(e.ctx, img.ID); err != nil || again.ID != img.ID {
		t.Errorf("InspectImage(%s) by ID got %q, %v, want %q", img.ID, again.ID, err, img.ID)
	}
	all, err := e.eng.Images(e.ctx)
	if err != nil {
		t.Fatalf("Images: %v", err)
	}
	if !slices.ContainsFunc(all, func(i engine.Image) bool { return i.ID == img.ID }) {
		t.Errorf("Images() got %d images without %s, want it listed", len(all), img.ID)
	}
}

func testNotFound(t *testing.T, e *env) {
	missing := e.project + "-missing"
	checks := []struct {
		call string
		err  error
	}{
		{"InspectContainer", second(e.eng.InspectContainer(e.ctx, missing))},
		{"StartContainer", e.eng.StartContainer(e.ctx, missing)},
		{"RemoveContainer", e.eng.RemoveContainer(e.ctx, missing, engine.RemoveOptions{Force: true})},
		{"InspectNetwork", second(e.eng.InspectNetwork(e.ctx, missing))},
		{"RemoveNetwork", e.eng.RemoveNetwork(e.ctx, missing)},
		{"InspectVolume", second(e.eng.InspectVolume(e.ctx, missing))},
		{"RemoveVolume", e.eng.RemoveVolume(e.ctx, missing)},
		{"InspectImage", second(e.eng.InspectImage(e.ctx, missing+":latest"))},
	}
	for _, c := range checks {
		if !errors.Is(c.err, engine.ErrNotFound) {
			t.Errorf("%s(%s) got error %v, want one wrapping %q", c.call, missing, c.err, engine.ErrNotFound)
		}
	}
}

func second[T any](_ T, err error) error { return err }
