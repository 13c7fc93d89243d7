package native

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/internal/testimage"
)

// TestConnectRunning connects a running container to a second network and
// disconnects it: what the container reads in /etc/hosts and what its DNS
// answers follow.
func TestConnectRunning(t *testing.T) {
	e := newTestEngine(t, testimage.Archive(t))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const project = "connrun"
	net := func(name string) string {
		full := project + "_" + name
		if _, err := e.CreateNetwork(ctx, engine.NetworkSpec{Name: full, Config: types.NetworkConfig{Name: full},
			Labels: map[string]string{engine.LabelProject: project, engine.LabelNetwork: name}}); err != nil {
			t.Fatal(err)
		}
		return full
	}
	front, back := net("front"), net("back")
	web := runTestContainer(ctx, t, e, project, types.ServiceConfig{Name: "web"}, front)
	runTestContainer(ctx, t, e, project, types.ServiceConfig{Name: "db"}, back)
	exec := func(args ...string) string {
		var out bytes.Buffer
		code, err := e.Exec(ctx, web, engine.ExecSpec{Cmd: append([]string{testimage.Entrypoint}, args...)}, engine.Streams{Stdout: &out, Stderr: &out})
		if err != nil {
			t.Fatalf("exec %v: %v", args, err)
		}
		if code != 0 {
			return ""
		}
		return out.String()
	}
	if got := exec("resolve", "db"); got != "" {
		t.Fatalf("before connect, web resolves db on a network it is not on: %q", got)
	}

	if err := e.ConnectNetwork(ctx, back, web, engine.NetworkAttachment{Network: back, Aliases: []string{"api"}}); err != nil {
		t.Fatal(err)
	}
	c, err := e.readContainer(web)
	if err != nil {
		t.Fatal(err)
	}
	addr := c.Networks[1].Addr.Addr().String()
	if hosts := exec("cat", "/etc/hosts"); !strings.Contains(hosts, addr+"\t") || !strings.Contains(hosts, " api") {
		t.Errorf("after connect, web's /etc/hosts has no line for %s with alias api:\n%s", addr, hosts)
	}
	if got := exec("resolve", "db"); got == "" {
		t.Errorf("after connect, web does not resolve db")
	}

	if err := e.DisconnectNetwork(ctx, back, web, false); err != nil {
		t.Fatal(err)
	}
	if hosts := exec("cat", "/etc/hosts"); strings.Contains(hosts, addr+"\t") {
		t.Errorf("after disconnect, web's /etc/hosts still has %s:\n%s", addr, hosts)
	}
	if got := exec("resolve", "db"); got != "" {
		t.Errorf("after disconnect, web still resolves db: %q", got)
	}
}
