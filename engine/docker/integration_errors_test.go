package docker

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/berth-dev/berth/engine"
)

// TestPortInUse checks that the real daemon's two ways of refusing a
// taken port (held by a process; allocated to another container) come back
// as a PortInUseError naming the address and the service.
func TestPortInUse(t *testing.T) {
	d := newDaemonTest(t)
	ctx := d.ctx()

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	heldByProcess := l.Addr().(*net.TCPAddr).Port

	free, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	heldByContainer := free.Addr().(*net.TCPAddr).Port
	_ = free.Close()
	first := d.spec("first", []string{"sleep"})
	first.Service.Ports = []types.ServicePortConfig{{Target: 80, Published: strconv.Itoa(heldByContainer), HostIP: "127.0.0.1", Protocol: "tcp"}}
	d.run(first)

	for _, tc := range []struct {
		service string
		port    int
	}{
		{"web", heldByProcess},
		{"api", heldByContainer},
	} {
		t.Run(tc.service, func(t *testing.T) {
			spec := d.spec(tc.service, []string{"sleep"})
			spec.Service.Ports = []types.ServicePortConfig{{Target: 80, Published: strconv.Itoa(tc.port), HostIP: "127.0.0.1", Protocol: "tcp"}}
			id, err := d.e.CreateContainer(ctx, spec)
			if err != nil {
				t.Fatal(err)
			}
			err = d.e.StartContainer(ctx, id)
			addr := fmt.Sprintf("127.0.0.1:%d", tc.port)
			want := fmt.Sprintf(`start container %s: port %s is already in use by another process or container: change "ports" of service %s or free the port`, spec.Name, addr, tc.service)
			if err == nil || err.Error() != want {
				t.Errorf("StartContainer(port %s taken) got %v, want %q", addr, err, want)
			}
			var perr *PortInUseError
			if !errors.As(err, &perr) || perr.Address != addr || !errors.Is(err, engine.ErrConflict) {
				t.Errorf("StartContainer(port %s taken) got %#v, want a PortInUseError for %s matching ErrConflict", addr, err, addr)
			}
		})
	}
}

// TestCreateErrors checks the daemon's answers to a create that cannot
// happen: an image that is not there, and a name held by a container of
// another project.
func TestCreateErrors(t *testing.T) {
	d := newDaemonTest(t)
	ctx := d.ctx()

	missing := d.spec("web", []string{"sleep"})
	missing.Service.Image = "berth-missing-" + d.project + ":never"
	_, err := d.e.CreateContainer(ctx, missing)
	want := fmt.Sprintf(`create container %s: image %q not found locally: pull it (berth pull) or load it (docker load)`, missing.Name, missing.Service.Image)
	if err == nil || err.Error() != want || !errors.Is(err, engine.ErrNotFound) {
		t.Errorf("CreateContainer(missing image) got %v, want %q matching ErrNotFound", err, want)
	}

	// A container of another project takes the name this project wants.
	other := newDaemonTest(t)
	squatter := other.spec("web", []string{"sleep"})
	squatter.Name = d.project + "-web-1"
	squatterID, err := other.e.CreateContainer(ctx, squatter)
	if err != nil {
		t.Fatal(err)
	}
	_, err = d.e.CreateContainer(ctx, d.spec("web", []string{"sleep"}))
	want = fmt.Sprintf(`create container %s: container name %q is already used by container %s that is not part of project %q: remove or rename it`,
		squatter.Name, squatter.Name, squatterID[:12], d.project)
	if err == nil || err.Error() != want {
		t.Errorf("CreateContainer(name held by another project) got %v, want %q", err, want)
	}
	var nerr *NameConflictError
	if !errors.As(err, &nerr) || nerr.OwnerProject != other.project || !errors.Is(err, engine.ErrConflict) {
		t.Errorf("CreateContainer(name held by another project) got %#v, want a NameConflictError owned by %s matching ErrConflict", err, other.project)
	}
	if strings.Contains(err.Error(), "You have to remove") {
		t.Errorf("CreateContainer(name held by another project) got %q, want berth's advice instead of the daemon's", err)
	}
}
