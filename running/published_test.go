package running

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth-dev/berth/engine"
)

func TestPublished(t *testing.T) {
	port := func(ip string, public, private uint16, proto string) engine.Port {
		return engine.Port{HostIP: ip, HostPort: public, ContainerPort: private, Protocol: proto}
	}
	cs := []engine.Container{
		ctr("shop-web-run-1", "shop", "web", "1", "running", true, port("0.0.0.0", 40000, 80, "tcp")),
		ctr("shop-web-2", "shop", "web", "2", "running", false, port("0.0.0.0", 32769, 80, "tcp")),
		ctr("shop-web-1", "shop", "web", "1", "running", false,
			port("::", 32768, 80, "tcp"), port("0.0.0.0", 32768, 80, "tcp"),
			port("", 0, 9000, "tcp"), port("", 5353, 53, "udp")),
		ctr("shop-db-1", "shop", "db", "1", "exited", false, port("0.0.0.0", 5432, 5432, "tcp")),
		ctr("shop-cache-1", "shop", "cache", "1", "paused", false, port("127.0.0.1", 6379, 6379, "")),
	}
	want := []Binding{
		{Service: "cache", Index: 1, Container: "shop-cache-1", ContainerPort: 6379, Protocol: "tcp", HostIP: "127.0.0.1", HostPort: 6379},
		{Service: "web", Index: 1, Container: "shop-web-1", ContainerPort: 53, Protocol: "udp", HostIP: "0.0.0.0", HostPort: 5353},
		{Service: "web", Index: 1, Container: "shop-web-1", ContainerPort: 80, Protocol: "tcp", HostIP: "0.0.0.0", HostPort: 32768},
		{Service: "web", Index: 1, Container: "shop-web-1", ContainerPort: 80, Protocol: "tcp", HostIP: "::", HostPort: 32768},
		{Service: "web", Index: 2, Container: "shop-web-2", ContainerPort: 80, Protocol: "tcp", HostIP: "0.0.0.0", HostPort: 32769},
	}
	if diff := cmp.Diff(want, Published(cs)); diff != "" {
		t.Errorf("Published mismatch (-want +got):\n%s", diff)
	}
	if got := Published(nil); got != nil {
		t.Errorf("Published(nil) = %v, want nil", got)
	}
}
