package native

import (
	"os"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/berth-dev/berth/engine"
)

// TestRecordKeepsServiceName: compose-go's JSON leaves out a service's
// name, which errors at start quote; a record read back has it again.
func TestRecordKeepsServiceName(t *testing.T) {
	e := &Engine{root: t.TempDir()}
	for _, tc := range []struct {
		name   string
		labels map[string]string
		want   string
	}{
		{"from the label", map[string]string{engine.LabelService: "web"}, "web"},
		{"no label", nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &container{ID: newID(), Name: "p-web-1", Labels: tc.labels, Service: types.ServiceConfig{Name: "web"}}
			if err := os.MkdirAll(e.containerDir(c.ID), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := e.writeContainer(c); err != nil {
				t.Fatal(err)
			}
			got, err := e.readContainer(c.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Service.Name != tc.want {
				t.Errorf("Service.Name read back got %q, want %q", got.Service.Name, tc.want)
			}
		})
	}
}
