package native

import (
	"net/netip"
	"os"
	"reflect"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/google/go-cmp/cmp"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/native/monitorproc"
)

// TestMonitorRecord checks that a record as the engine writes it fills
// every field of the monitor's own view of it (monitorproc.Record), which
// declares only what a monitor reads under the engine's JSON names: a
// field renamed on one side would otherwise leave the monitor reading a
// zero value, with no error.
func TestMonitorRecord(t *testing.T) {
	e := &Engine{root: t.TempDir()}
	c := &container{
		ID:     "0123456789ab0123456789ab0123456789ab0123456789ab0123456789abcdef",
		Name:   "p-web-1",
		Labels: map[string]string{engine.LabelService: "web"},
		Service: types.ServiceConfig{
			Name: "web", Hostname: "www", DNS: []string{"10.0.0.53"},
		},
		NetworkMode: "bridge",
		Networks: []attachment{{
			Network: "p_default", NetworkID: "netid", Aliases: []string{"web"},
			Addr: netip.MustParsePrefix("10.1.0.2/24"), Gateway: netip.MustParseAddr("10.1.0.1"), Index: 1,
		}},
		Ports:      []engine.Port{{HostIP: "127.0.0.1", HostPort: 8080, ContainerPort: 80, Protocol: "tcp"}},
		AutoRemove: true,
		Watched:    true,
	}
	if err := os.MkdirAll(e.containerDir(c.ID), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := e.writeContainer(c); err != nil {
		t.Fatal(err)
	}
	got, err := monitorproc.ReadRecord(e.containerDir(c.ID))
	if err != nil {
		t.Fatal(err)
	}
	if path := zeroField(reflect.ValueOf(*got), "Record"); path != "" {
		t.Errorf("the monitor's view of the record leaves %s zero: its JSON name no longer matches the engine's record", path)
	}
	want := &monitorproc.Record{ID: c.ID, Name: c.Name, Labels: c.Labels, NetworkMode: c.NetworkMode, AutoRemove: true, Watched: true,
		Networks: []monitorproc.Attachment{{Network: "p_default", NetworkID: "netid", Aliases: []string{"web"}, Addr: c.Networks[0].Addr}},
		Ports:    []monitorproc.Port{{HostIP: "127.0.0.1", HostPort: 8080, ContainerPort: 80, Protocol: "tcp"}}}
	want.Service.Hostname, want.Service.DNS = "www", []string{"10.0.0.53"}
	if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b netip.Prefix) bool { return a == b })); diff != "" {
		t.Errorf("monitorproc.ReadRecord (-want +got):\n%s", diff)
	}
}

// zeroField returns the path of the first field of v, a struct, that holds
// its zero value, looking into monitorproc's structs and the first element
// of slices; "" when every field is set.
func zeroField(v reflect.Value, path string) string {
	own := v.Type().Name() == "" || v.Type().PkgPath() == reflect.TypeFor[monitorproc.Record]().PkgPath()
	switch {
	case v.Kind() == reflect.Struct && own:
		for i := range v.NumField() {
			if p := zeroField(v.Field(i), path+"."+v.Type().Field(i).Name); p != "" {
				return p
			}
		}
		return ""
	case v.Kind() == reflect.Slice:
		if v.Len() == 0 {
			return path
		}
		return zeroField(v.Index(0), path+"[0]")
	}
	if v.IsZero() {
		return path
	}
	return ""
}
