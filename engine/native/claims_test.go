package native

import (
	"net/netip"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/berth-dev/berth/engine"
)

// TestClaims checks that the claims follow the records through writes,
// removals and half-made directories, as allContainers reads them.
func TestClaims(t *testing.T) {
	e := &Engine{root: t.TempDir()}
	id := func(n int) string { return strings.Repeat(string(rune('a'+n)), 64) }
	write := func(c *container) {
		t.Helper()
		if err := os.MkdirAll(e.containerDir(c.ID), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := e.writeContainer(c); err != nil {
			t.Fatal(err)
		}
	}
	addr := netip.MustParsePrefix("10.9.0.2/24")
	one := &container{ID: id(0), Name: "one", Service: types.ServiceConfig{Name: "svc", Image: "x"},
		Ports: []engine.Port{{HostPort: 8080, ContainerPort: 80, Protocol: "tcp"}}, Networks: []attachment{{NetworkID: "n1", Addr: addr}}}
	write(one)
	write(&container{ID: id(1), Name: "two"})
	// Being created: a directory without a record yet.
	if err := os.MkdirAll(e.containerDir(id(2)), 0o755); err != nil {
		t.Fatal(err)
	}
	names := func() []string {
		t.Helper()
		all, err := e.claims.all(e.root)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, c := range all {
			out = append(out, c.Name)
			if c.Name == "one" && (len(c.Ports) != 1 || c.Ports[0].HostPort != 8080 || len(c.Networks) != 1 || c.Networks[0].Addr != addr || c.ID != id(0)) {
				t.Errorf("claims of one: %+v, want its port and address", c)
			}
		}
		slices.Sort(out)
		return out
	}
	for _, step := range []struct {
		name   string
		change func()
		want   []string
	}{
		{"first read", func() {}, []string{"one", "two"}},
		{"cached", func() {}, []string{"one", "two"}},
		{"renamed", func() { two := &container{ID: id(1), Name: "second"}; write(two) }, []string{"one", "second"}},
		{"removed", func() { os.RemoveAll(e.containerDir(id(1))) }, []string{"one"}},
		{"record written", func() { write(&container{ID: id(2), Name: "three"}) }, []string{"one", "three"}},
	} {
		step.change()
		if got := names(); !slices.Equal(got, step.want) {
			t.Errorf("%s: names %v, want %v", step.name, got, step.want)
		}
	}
}
