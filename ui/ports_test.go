package ui

import (
	"bytes"
	"testing"

	"github.com/berth-dev/berth/running"
)

func TestWritePorts(t *testing.T) {
	rows := []running.Binding{
		{Service: "db", Index: 1, Container: "shop-db-1", ContainerPort: 5432, Protocol: "tcp", HostIP: "127.0.0.1", HostPort: 49153},
		{Service: "web", Index: 1, Container: "shop-web-1", ContainerPort: 53, Protocol: "udp", HostIP: "0.0.0.0", HostPort: 5353},
		{Service: "web", Index: 1, Container: "shop-web-1", ContainerPort: 80, Protocol: "tcp", HostIP: "::", HostPort: 49154},
		{Service: "web", Index: 2, Container: "shop-web-2", ContainerPort: 80, Protocol: "tcp", HostIP: "0.0.0.0", HostPort: 49155},
	}
	for _, format := range []string{"table", "json"} {
		var b bytes.Buffer
		if err := WritePorts(&b, rows, format); err != nil {
			t.Fatalf("WritePorts(%s): %v", format, err)
		}
		golden(t, "ports_"+format+".golden", b.String())
	}
	var b bytes.Buffer
	if err := WritePorts(&b, nil, "json"); err != nil || b.String() != "[]\n" {
		t.Errorf("WritePorts(nil, json) = %q, %v; want []", b.String(), err)
	}
	if err := WritePorts(&b, rows, "yaml"); err == nil {
		t.Error("WritePorts(yaml) succeeded, want an error")
	}
}
