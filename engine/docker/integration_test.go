package docker

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/berth-dev/berth/engine"
)

func TestContainerLifecycle(t *testing.T) {
	d := newDaemonTest(t)
	ctx := d.ctx()
	spec := d.spec("web", []string{"sleep"})
	spec.Labels["com.example.extra"] = "yes"
	id := d.run(spec)

	// A container of another project must not show up in this project's list.
	other := newDaemonTest(t)
	other.run(other.spec("web", []string{"sleep"}))

	list, err := d.e.Containers(ctx, d.project)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 {
		t.Fatalf("Containers(%s) got %d containers, want 1: %+v", d.project, len(list), list)
	}
	c := list[0]
	if c.ID != id || c.Name != spec.Name || c.State != "running" || c.Labels["com.example.extra"] != "yes" || c.Image != d.image {
		t.Errorf("Containers(%s)[0] got %+v, want running %s with its labels and image", d.project, c, spec.Name)
	}

	if _, err := d.e.CreateContainer(ctx, spec); !errors.Is(err, engine.ErrConflict) {
		t.Errorf("CreateContainer(same name twice) got %v, want ErrConflict", err)
	}

	timeout := 10 * time.Second
	if err := d.e.StopContainer(ctx, id, &timeout); err != nil {
		t.Fatal(err)
	}
	got, err := d.e.InspectContainer(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	// The test program exits 0 on SIGTERM; 137 would mean it was killed.
	if got.State != "exited" || got.ExitCode != 0 {
		t.Errorf("InspectContainer after stop got state %q exit %d, want exited 0", got.State, got.ExitCode)
	}
	list, _ = d.e.Containers(ctx, d.project)
	if len(list) != 1 || list[0].State != "exited" || list[0].ExitCode != 0 {
		t.Errorf("Containers after stop got %+v, want one exited container with exit code 0", list)
	}

	renamed := spec.Name + "-old"
	if err := d.e.RenameContainer(ctx, id, renamed); err != nil {
		t.Fatal(err)
	}
	if got, _ := d.e.InspectContainer(ctx, id); got.Name != renamed {
		t.Errorf("InspectContainer after rename got name %q, want %q", got.Name, renamed)
	}
	if err := d.e.RemoveContainer(ctx, id, engine.RemoveOptions{}); err != nil {
		t.Fatal(err)
	}
	if list, _ := d.e.Containers(ctx, d.project); len(list) != 0 {
		t.Errorf("Containers after remove got %+v, want none", list)
	}
}

func TestNotFound(t *testing.T) {
	d := newDaemonTest(t)
	ctx := d.ctx()
	missing := d.project + "-missing"
	for name, err := range map[string]error{
		"InspectContainer": func() error { _, err := d.e.InspectContainer(ctx, missing); return err }(),
		"StartContainer":   d.e.StartContainer(ctx, missing),
		"RemoveContainer":  d.e.RemoveContainer(ctx, missing, engine.RemoveOptions{}),
		"InspectNetwork":   func() error { _, err := d.e.InspectNetwork(ctx, missing); return err }(),
		"InspectVolume":    func() error { _, err := d.e.InspectVolume(ctx, missing); return err }(),
		"InspectImage":     func() error { _, err := d.e.InspectImage(ctx, missing+":latest"); return err }(),
		"RemoveVolume":     d.e.RemoveVolume(ctx, missing),
	} {
		if !errors.Is(err, engine.ErrNotFound) || !strings.Contains(err.Error(), missing) {
			t.Errorf("%s(%s) got %v, want ErrNotFound naming it", name, missing, err)
		}
	}
}

func TestExitCode(t *testing.T) {
	d := newDaemonTest(t)
	id := d.run(d.spec("job", []string{"exit", "3"}))
	code, err := d.e.WaitContainer(d.ctx(), id)
	if err != nil || code != 3 {
		t.Errorf("WaitContainer(exit 3) got (%d, %v), want (3, nil)", code, err)
	}
}

// TestNetworks covers multi-network attach on API 1.41 (the second network
// is connected after create), DNS for names and aliases on each network, a
// port published on 127.0.0.1, and the network error mapping.
func TestNetworks(t *testing.T) {
	d := newDaemonTest(t)
	ctx := d.ctx()
	front, back := d.network("front"), d.network("back")

	web := d.spec("web", []string{"serve", "8080"}, front, back)
	web.Service.Ports = []types.ServicePortConfig{{Target: 8080, HostIP: "127.0.0.1", Protocol: "tcp"}}
	webID := d.run(web)
	d.run(d.spec("proxy", []string{"sleep"}, front))
	db := d.spec("db", []string{"sleep"}, back)
	db.Networks[0].Aliases = append(db.Networks[0].Aliases, "database")
	d.run(db)

	got, err := d.e.InspectContainer(ctx, webID)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := got.Networks[front]; !ok {
		t.Errorf("web networks got %v, want %s", got.Networks, front)
	}
	if _, ok := got.Networks[back]; !ok {
		t.Errorf("web networks got %v, want %s", got.Networks, back)
	}
	base := publishedURL(t, got)
	eventually(t, 20*time.Second, func() error {
		body, err := httpGet(base + "/")
		if err == nil && !strings.HasPrefix(body, "hello from ") {
			return fmt.Errorf("GET / got %q, want hello from ...", body)
		}
		return err
	})
	for _, name := range []string{"proxy", "db", "database", d.project + "-db-1"} {
		if body, err := httpGet(base + "/resolve?name=" + name); err != nil || strings.TrimSpace(body) == "" {
			t.Errorf("resolve %s from web (on both networks) got (%q, %v), want an address", name, body, err)
		}
	}

	if err := d.e.RemoveNetwork(ctx, back); !errors.Is(err, engine.ErrActiveEndpoints) {
		t.Errorf("RemoveNetwork(in use) got %v, want ErrActiveEndpoints", err)
	}
	if err := d.e.DisconnectNetwork(ctx, back, webID, false); err != nil {
		t.Fatal(err)
	}
	if body, err := httpGet(base + "/resolve?name=db"); err == nil {
		t.Errorf("resolve db after disconnecting web from %s got %q, want a failure", back, body)
	}
	if err := d.e.ConnectNetwork(ctx, back, webID, engine.NetworkAttachment{Network: back, Aliases: []string{"web2"}}); err != nil {
		t.Fatal(err)
	}
	// The engine re-publishes the ports when the gateway network changes,
	// possibly on another host port.
	if got, err = d.e.InspectContainer(ctx, webID); err != nil {
		t.Fatal(err)
	}
	if body, err := httpGet(publishedURL(t, got) + "/resolve?name=db"); err != nil {
		t.Errorf("resolve db after reconnecting got (%q, %v), want an address", body, err)
	}

	n, err := d.e.InspectNetwork(ctx, front)
	if err != nil || n.Name != front || n.Labels[engine.LabelProject] != d.project || len(n.Containers) != 2 {
		t.Errorf("InspectNetwork(%s) got (%+v, %v), want it with its labels and 2 containers", front, n, err)
	}
	if _, err := d.e.InspectNetwork(ctx, front[:len(front)-2]); !errors.Is(err, engine.ErrNotFound) {
		t.Errorf("InspectNetwork(name prefix) got %v, want ErrNotFound", err)
	}
	if _, err := d.e.InspectNetwork(ctx, n.ID[:6]); !errors.Is(err, engine.ErrNotFound) {
		t.Errorf("InspectNetwork(ID prefix) got %v, want ErrNotFound", err)
	}
	list, err := d.e.Networks(ctx, d.project)
	if err != nil || len(list) != 2 {
		t.Errorf("Networks(%s) got (%+v, %v), want 2", d.project, list, err)
	}
}

// publishedURL is the address of c's port 8080 published on 127.0.0.1.
func publishedURL(t *testing.T, c engine.Container) string {
	t.Helper()
	for _, p := range c.Ports {
		if p.ContainerPort == 8080 && p.HostIP == "127.0.0.1" && p.HostPort != 0 {
			return fmt.Sprintf("http://127.0.0.1:%d", p.HostPort)
		}
	}
	t.Fatalf("%s ports got %+v, want 8080 published on 127.0.0.1", c.Name, c.Ports)
	return ""
}

func httpGet(url string) (string, error) {
	resp, err := http.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return string(b), fmt.Errorf("GET %s: %s: %s", url, resp.Status, b)
	}
	return string(b), err
}

func TestVolumes(t *testing.T) {
	d := newDaemonTest(t)
	ctx := d.ctx()
	name := d.project + "_data"
	labels := map[string]string{engine.LabelProject: d.project, engine.LabelVolume: "data"}
	if err := d.e.CreateVolume(ctx, engine.VolumeSpec{Name: name, Labels: labels}); err != nil {
		t.Fatal(err)
	}
	v, err := d.e.InspectVolume(ctx, name)
	if err != nil || v.Name != name || v.Driver != "local" || v.Labels[engine.LabelVolume] != "data" {
		t.Errorf("InspectVolume(%s) got (%+v, %v), want the local volume with its labels", name, v, err)
	}
	if list, err := d.e.Volumes(ctx, d.project); err != nil || len(list) != 1 || list[0].Name != name {
		t.Errorf("Volumes(%s) got (%+v, %v), want [%s]", d.project, list, err, name)
	}

	writer := d.spec("writer", []string{"write", "/data/greeting", "hello"})
	writer.Service.Volumes = []types.ServiceVolumeConfig{{Type: "volume", Source: name, Target: "/data"}}
	writerID := d.run(writer)
	reader := d.spec("reader", []string{"cat", "/data/greeting"})
	reader.Service.Volumes = writer.Service.Volumes
	var stdout bytes.Buffer
	eventually(t, 20*time.Second, func() error {
		_ = d.e.RemoveContainer(ctx, reader.Name, engine.RemoveOptions{Force: true})
		id := d.run(reader)
		if code, err := d.e.WaitContainer(ctx, id); err != nil || code != 0 {
			return fmt.Errorf("cat /data/greeting exited %d (%v)", code, err)
		}
		stdout.Reset()
		return d.e.Logs(ctx, id, engine.LogOptions{}, &stdout, io.Discard)
	})
	if stdout.String() != "hello" {
		t.Errorf("reader saw %q in the shared volume, want %q", stdout.String(), "hello")
	}

	if err := d.e.RemoveVolume(ctx, name); !errors.Is(err, engine.ErrConflict) {
		t.Errorf("RemoveVolume(in use) got %v, want ErrConflict", err)
	}
	for _, id := range []string{writerID, reader.Name} {
		if err := d.e.RemoveContainer(ctx, id, engine.RemoveOptions{Force: true}); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.e.RemoveVolume(ctx, name); err != nil {
		t.Fatal(err)
	}
	if _, err := d.e.InspectVolume(ctx, name); !errors.Is(err, engine.ErrNotFound) {
		t.Errorf("InspectVolume after remove got %v, want ErrNotFound", err)
	}
}

func TestLogsDemux(t *testing.T) {
	d := newDaemonTest(t)
	ctx := d.ctx()
	for _, tc := range []struct {
		name           string
		tty            bool
		stdout, stderr string
	}{
		{"plain", false, "to-out\n", "to-err\n"},
		// With a TTY there is one stream, and the terminal turns \n into \r\n.
		{"tty", true, "to-out\r\nto-err\r\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec := d.spec("print-"+tc.name, []string{"print", "to-out", "to-err"})
			spec.Service.Tty = tc.tty
			id := d.run(spec)
			if _, err := d.e.WaitContainer(ctx, id); err != nil {
				t.Fatal(err)
			}
			var stdout, stderr bytes.Buffer
			if err := d.e.Logs(ctx, id, engine.LogOptions{Tail: "all"}, &stdout, &stderr); err != nil {
				t.Fatal(err)
			}
			if stdout.String() != tc.stdout || stderr.String() != tc.stderr {
				t.Errorf("Logs(%s) got stdout %q stderr %q, want %q and %q", tc.name, stdout.String(), stderr.String(), tc.stdout, tc.stderr)
			}
		})
	}
}

func TestLogsFollow(t *testing.T) {
	d := newDaemonTest(t)
	id := d.run(d.spec("server", []string{"serve", "8080"}))
	ctx, cancel := context.WithTimeout(d.ctx(), 2*time.Second)
	defer cancel()
	var stdout bytes.Buffer
	// Following a running container only ends with ctx, which is not an error.
	if err := d.e.Logs(ctx, id, engine.LogOptions{Follow: true, Timestamps: true}, &stdout, io.Discard); err != nil {
		t.Fatalf("Logs(follow) got %v, want nil once ctx ends", err)
	}
	if ctx.Err() == nil {
		t.Errorf("Logs(follow) returned before ctx ended, want it to follow")
	}
	line := stdout.String()
	if !strings.Contains(line, "listening on :8080") || !strings.HasPrefix(line, time.Now().UTC().Format("2006-")) {
		t.Errorf("Logs(follow, timestamps) got %q, want a timestamped \"listening on :8080\"", line)
	}
}

func TestHealth(t *testing.T) {
	d := newDaemonTest(t)
	ctx := d.ctx()
	interval := types.Duration(500 * time.Millisecond)
	// A generous timeout: on a loaded machine an exec can take longer than
	// the interval, and a timed-out probe has no output to assert on.
	timeout := types.Duration(20 * time.Second)
	retries := uint64(1)
	check := &types.HealthCheckConfig{
		Test:     []string{"CMD", "/berth-test", "health", "/tmp/healthy"},
		Interval: &interval, Timeout: &timeout, Retries: &retries,
	}
	healthy := d.spec("healthy", []string{"write", "/tmp/healthy", "ok"})
	healthy.Service.HealthCheck = check
	sick := d.spec("sick", []string{"sleep"})
	sick.Service.HealthCheck = check
	ids := map[string]string{"healthy": d.run(healthy), "unhealthy": d.run(sick)}

	for want, id := range ids {
		eventually(t, 30*time.Second, func() error {
			c, err := d.e.InspectContainer(ctx, id)
			if err != nil {
				return err
			}
			if c.Health != want {
				return fmt.Errorf("InspectContainer health got %q, want %q", c.Health, want)
			}
			return nil
		})
	}
	list, err := d.e.Containers(ctx, d.project)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range list {
		want := "healthy"
		if c.ID == ids["unhealthy"] {
			want = "unhealthy"
		}
		if c.Health != want {
			t.Errorf("Containers: %s health got %q (status %q), want %q", c.Name, c.Health, c.Status, want)
		}
	}
	logs, err := d.e.HealthLog(ctx, ids["unhealthy"])
	if err != nil || len(logs) == 0 || !strings.Contains(logs[len(logs)-1], "unhealthy") {
		t.Errorf("HealthLog(unhealthy) got (%q, %v), want probe output saying unhealthy", logs, err)
	}
}

func TestBuildImage(t *testing.T) {
	d := newDaemonTest(t)
	ctx := d.ctx()
	dir := t.TempDir()
	files := map[string]string{
		"Dockerfile":    "FROM scratch\nCOPY hello.txt /hello.txt\nCOPY sub/ /sub/\n",
		"hello.txt":     "hello\n",
		"sub/kept.txt":  "kept\n",
		"sub/drop.log":  "dropped\n",
		".dockerignore": "sub/*.log\n",
	}
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tag := d.project + ":latest"
	var out bytes.Buffer
	spec := engine.BuildSpec{Tag: tag, ContextDir: dir, Labels: map[string]string{engine.LabelProject: d.project}}
	if err := d.e.BuildImage(ctx, spec, &out); err != nil {
		t.Fatalf("BuildImage: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "COPY hello.txt /hello.txt") {
		t.Errorf("BuildImage output got %q, want the build steps", out.String())
	}
	img, err := d.e.InspectImage(ctx, tag)
	if err != nil || img.Labels[engine.LabelProject] != d.project || len(img.Tags) != 1 || img.Tags[0] != tag {
		t.Errorf("InspectImage(%s) got (%+v, %v), want the image with its label and tag", tag, img, err)
	}
	all, err := d.e.Images(ctx)
	found := false
	for _, i := range all {
		found = found || i.ID == img.ID
	}
	if err != nil || !found {
		t.Errorf("Images() got (%d images, %v), want %s among them", len(all), err, img.ID)
	}

	// The ignored file is not in the context, so copying it fails, and the
	// error in the build stream becomes BuildImage's error.
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM scratch\nCOPY sub/drop.log /\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	spec.Tag = d.project + ":broken"
	if err := d.e.BuildImage(ctx, spec, io.Discard); err == nil || !strings.Contains(err.Error(), "drop.log") {
		t.Errorf("BuildImage(COPY of an ignored file) got %v, want an error naming drop.log", err)
	}

	if err := d.e.RemoveImage(ctx, tag); err != nil {
		t.Fatal(err)
	}
	if _, err := d.e.InspectImage(ctx, tag); !errors.Is(err, engine.ErrNotFound) {
		t.Errorf("InspectImage after remove got %v, want ErrNotFound", err)
	}
}

// TestInheritVolumes recreates a container and checks that the new one
// mounts the old one's anonymous volume, so its data survives.
func TestInheritVolumes(t *testing.T) {
	d := newDaemonTest(t)
	ctx := d.ctx()
	old := d.spec("db", []string{"write", "/anon/state", "kept"})
	old.Service.Volumes = []types.ServiceVolumeConfig{{Type: "volume", Target: "/anon"}}
	oldID := d.run(old)
	// Stopping the writer before its write would lose the data for a reason
	// that has nothing to do with inheriting, so wait until a peer sees it.
	probe := d.spec("probe", []string{"cat", "/anon/state"})
	probe.Service.VolumesFrom = []string{"container:" + oldID}
	eventually(t, 20*time.Second, func() error {
		_ = d.e.RemoveContainer(ctx, probe.Name, engine.RemoveOptions{Force: true})
		if code, err := d.e.WaitContainer(ctx, d.run(probe)); err != nil || code != 0 {
			return fmt.Errorf("cat /anon/state beside the writer exited %d (%v)", code, err)
		}
		return nil
	})
	timeout := 5 * time.Second
	if err := d.e.StopContainer(ctx, oldID, &timeout); err != nil {
		t.Fatal(err)
	}
	if err := d.e.RenameContainer(ctx, oldID, old.Name+"-old"); err != nil {
		t.Fatal(err)
	}
	replacement := old
	replacement.Service.Command = []string{"cat", "/anon/state"}
	replacement.InheritVolumesFrom = oldID
	newID := d.run(replacement)
	if code, err := d.e.WaitContainer(ctx, newID); err != nil || code != 0 {
		t.Fatalf("cat in the replacement exited %d (%v)", code, err)
	}
	var stdout bytes.Buffer
	if err := d.e.Logs(ctx, newID, engine.LogOptions{}, &stdout, io.Discard); err != nil {
		t.Fatal(err)
	}
	if stdout.String() != "kept" {
		t.Errorf("replacement read %q from the inherited volume, want %q", stdout.String(), "kept")
	}
}
