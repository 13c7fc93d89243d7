package store

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"
)

// TestLoadDockerSave loads what a real `docker save` writes, for an image
// made with `docker import` from a tiny tar.
func TestLoadDockerSave(t *testing.T) {
	requireRoot(t)
	if err := exec.Command("docker", "version").Run(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("docker is needed under CI: %v", err)
		}
		t.Skipf("no docker daemon: %v", err)
	}
	ctx := context.Background()
	tag := fmt.Sprintf("berth-store-test-%d:1", time.Now().UnixNano())
	t.Cleanup(func() {
		if out, err := exec.Command("docker", "rmi", tag).CombinedOutput(); err != nil {
			t.Errorf("docker rmi %s: %v: %s", tag, err, out)
		}
	})
	rootfs := layerTar(t, dir("etc/", 0o755), file("etc/hello", "hello\n", 0o644, 0, 0), file("etc/.wh.gone", "", 0, 0, 0))
	imp := exec.Command("docker", "import", "-c", "CMD [\"/bin/true\"]", "-", tag)
	imp.Stdin = bytes.NewReader(rootfs)
	if out, err := imp.CombinedOutput(); err != nil {
		t.Fatalf("docker import: %v: %s", err, out)
	}
	saved, err := exec.Command("docker", "save", tag).Output()
	if err != nil {
		t.Fatalf("docker save: %v", err)
	}
	wantID, err := exec.Command("docker", "image", "inspect", "-f", "{{.Id}}", tag).Output()
	if err != nil {
		t.Fatalf("docker image inspect: %v", err)
	}

	s := newStore(t)
	refs := load(t, s, saved)
	if len(refs) != 1 || refs[0] != tag {
		t.Errorf("Load = %v, want [%s]", refs, tag)
	}
	img, err := s.Inspect(ctx, tag)
	if err != nil {
		t.Fatal(err)
	}
	if img.ID != string(bytes.TrimSpace(wantID)) {
		t.Errorf("ID %s, docker says %s", img.ID, wantID)
	}
	if len(img.Config.Cmd) != 1 || img.Config.Cmd[0] != "/bin/true" {
		t.Errorf("Cmd %v, want [/bin/true]", img.Config.Cmd)
	}
	dirs, err := s.Layers(ctx, img.ID[7:19])
	if err != nil || len(dirs) != 1 {
		t.Fatalf("Layers: %v, %v", dirs, err)
	}
	if b, err := os.ReadFile(dirs[0] + "/etc/hello"); err != nil || string(b) != "hello\n" {
		t.Errorf("etc/hello: %q, %v", b, err)
	}
	if err := s.Remove(ctx, tag); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dirs[0]); !os.IsNotExist(err) {
		t.Errorf("layer dir after Remove: %v", err)
	}
}
