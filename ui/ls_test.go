package ui

import (
	"strings"
	"testing"

	"github.com/berth-dev/berth/running"
)

func TestWriteProjects(t *testing.T) {
	rows := []running.Project{
		{Name: "blog", Status: "running(1)", ConfigFiles: "/srv/blog/compose.yaml"},
		{Name: "shop-and-more", Status: "exited(1), running(2)", ConfigFiles: "/srv/shop&co/compose.yaml,/srv/shop&co/compose.override.yaml"},
	}
	for _, format := range []string{"table", "json"} {
		var b strings.Builder
		if err := WriteProjects(&b, rows, format); err != nil {
			t.Fatal(err)
		}
		golden(t, "ls_"+format+".golden", b.String())
	}
	var b strings.Builder
	if err := WriteProjects(&b, nil, "json"); err != nil || b.String() != "[]\n" {
		t.Errorf("WriteProjects(nil, json) got %q, %v, want []", b.String(), err)
	}
	if err := WriteProjects(&b, rows, "yaml"); err == nil {
		t.Error("WriteProjects(yaml) got no error")
	}
}
