package store

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"golang.org/x/sys/unix"
)

func loadTestImage(t *testing.T, s *Store, tag string) []string {
	t.Helper()
	load(t, s, dockerArchive(t, map[string]v1.Image{tag: testImage(t, "a")}))
	dirs, err := s.Layers(context.Background(), tag)
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) != 2 {
		t.Fatalf("Layers = %v, want 2 dirs", dirs)
	}
	return dirs
}

func TestLayersContent(t *testing.T) {
	requireRoot(t)
	dirs := loadTestImage(t, newStore(t), "busybox")
	base, top := dirs[0], dirs[1]
	tests := []struct {
		path      string
		mode      os.FileMode
		uid, gid  uint32
		body      string // files; link target for symlinks
		rdev      uint64
		xattr     string // name=value that must be set
		noXattr   string // name that must not be
		sameInode string
	}{
		{path: base + "/etc", mode: os.ModeDir | 0o750},
		{path: base + "/etc/a", mode: 0o640, uid: 1000, gid: 1001, body: "alpha"},
		{path: base + "/etc/b", mode: 0o644, body: "beta"},
		{path: base + "/bin/su", mode: os.ModeSetuid | 0o755, body: "su"},
		{path: base + "/etc/lnk", mode: os.ModeSymlink | 0o777, body: "a"},
		{path: base + "/etc/hard", mode: 0o640, uid: 1000, gid: 1001, body: "alpha", sameInode: base + "/etc/a"},
		{path: base + "/etc/attr", mode: 0o644, body: "x", xattr: "user.berth=yes", noXattr: "trusted.overlay.redirect"},
		{path: base + "/d/fifo", mode: os.ModeNamedPipe | 0o600},
		{path: top + "/etc/b", mode: os.ModeDevice | os.ModeCharDevice, rdev: 0},
		{path: top + "/d", mode: os.ModeDir | 0o755, xattr: "trusted.overlay.opaque=y"},
		{path: top + "/d/new", mode: 0o600, body: "new"},
	}
	for _, tt := range tests {
		name := strings.TrimPrefix(tt.path, filepath.Dir(base)+"/")[:8] + strings.TrimPrefix(tt.path, filepath.Dir(base)+"/")[64:]
		t.Run(name, func(t *testing.T) {
			fi, err := os.Lstat(tt.path)
			if err != nil {
				t.Fatal(err)
			}
			st := fi.Sys().(*syscall.Stat_t)
			if fi.Mode() != tt.mode || st.Uid != tt.uid || st.Gid != tt.gid {
				t.Errorf("mode %v owner %d:%d, want %v %d:%d", fi.Mode(), st.Uid, st.Gid, tt.mode, tt.uid, tt.gid)
			}
			if fi.Mode()&os.ModeDevice != 0 && st.Rdev != tt.rdev {
				t.Errorf("device %d, want %d", st.Rdev, tt.rdev)
			}
			switch {
			case fi.Mode()&os.ModeSymlink != 0:
				if got, _ := os.Readlink(tt.path); got != tt.body {
					t.Errorf("link to %q, want %q", got, tt.body)
				}
			case fi.Mode().IsRegular():
				if got, _ := os.ReadFile(tt.path); string(got) != tt.body {
					t.Errorf("content %q, want %q", got, tt.body)
				}
				if !fi.ModTime().Equal(epoch) {
					t.Errorf("mtime %v, want %v", fi.ModTime(), epoch)
				}
			}
			if tt.xattr != "" {
				name, want, _ := strings.Cut(tt.xattr, "=")
				buf := make([]byte, 64)
				n, err := unix.Lgetxattr(tt.path, name, buf)
				if err != nil || string(buf[:n]) != want {
					t.Errorf("xattr %s = %q, %v; want %q", name, buf[:max(n, 0)], err, want)
				}
			}
			if tt.noXattr != "" {
				if _, err := unix.Lgetxattr(tt.path, tt.noXattr, make([]byte, 64)); err == nil {
					t.Errorf("xattr %s was taken from the layer", tt.noXattr)
				}
			}
			if tt.sameInode != "" {
				other, err := os.Lstat(tt.sameInode)
				if err != nil || !os.SameFile(fi, other) {
					t.Errorf("not a hard link of %s (%v)", tt.sameInode, err)
				}
			}
		})
	}
	// Directory times are set after their content is written.
	if fi, err := os.Stat(base + "/etc"); err != nil || !fi.ModTime().Equal(epoch) {
		t.Errorf("etc mtime: %v, %v; want %v", fi.ModTime(), err, epoch)
	}
}

// TestOverlayMerged mounts the layers as overlayfs lower directories and
// reads the merged view, whiteouts and opaque directory applied.
func TestOverlayMerged(t *testing.T) {
	requireRoot(t)
	dirs := loadTestImage(t, newStore(t), "merged:1")
	work := t.TempDir()
	merged := filepath.Join(work, "merged")
	for _, d := range []string{merged, work + "/upper", work + "/work"} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	lower := slices.Clone(dirs)
	slices.Reverse(lower) // overlayfs lists the top layer first
	opts := fmt.Sprintf("lowerdir=%s,upperdir=%s/upper,workdir=%s/work", strings.Join(lower, ":"), work, work)
	if err := unix.Mount("overlay", merged, "overlay", 0, opts); err != nil {
		t.Fatalf("mount overlay: %v", err)
	}
	t.Cleanup(func() {
		if err := unix.Unmount(merged, unix.MNT_DETACH); err != nil {
			t.Errorf("unmount %s: %v", merged, err)
		}
	})
	var got []string
	err := filepath.WalkDir(merged, func(p string, _ os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		got = append(got, strings.TrimPrefix(p, merged))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"", "/bin", "/bin/su", "/d", "/d/new", "/etc", "/etc/a", "/etc/attr", "/etc/hard", "/etc/lnk"}
	if !slices.Equal(got, want) {
		t.Errorf("merged tree %q, want %q (etc/b whited out, d opaque)", got, want)
	}
	if b, err := os.ReadFile(merged + "/etc/lnk"); err != nil || string(b) != "alpha" {
		t.Errorf("etc/lnk reads %q, %v", b, err)
	}
}

func TestUnpackRefuses(t *testing.T) {
	requireRoot(t)
	tests := []struct {
		name    string
		entries []entry
		want    string
	}{
		{"dot-dot", []entry{file("../evil", "x", 0o644, 0, 0)}, "leaves the layer"},
		{"dot-dot inside", []entry{file("a/../../evil", "x", 0o644, 0, 0)}, "leaves the layer"},
		{"through a symlink", []entry{link(tar.TypeSymlink, "up", ".."), file("up/evil", "x", 0o644, 0, 0)}, "through symlink"},
		{"through an absolute symlink", []entry{link(tar.TypeSymlink, "root", "/"), dir("root/tmp/", 0o755)}, "through symlink"},
		{"hard link out", []entry{link(tar.TypeLink, "evil", "../outside")}, "leaves the layer"},
		{"hard link through a symlink", []entry{link(tar.TypeSymlink, "up", ".."), link(tar.TypeLink, "evil", "up/outside")}, "through symlink"},
		{"whiteout through a symlink", []entry{link(tar.TypeSymlink, "up", ".."), file("up/.wh.outside", "", 0, 0, 0)}, "through symlink"},
		{"opaque through a symlink", []entry{link(tar.TypeSymlink, "up", ".."), file("up/.wh..wh..opq", "", 0, 0, 0)}, "through symlink"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parent := t.TempDir()
			root := filepath.Join(parent, "layer")
			if err := os.Mkdir(root, 0o755); err != nil {
				t.Fatal(err)
			}
			outside := filepath.Join(parent, "outside")
			if err := os.WriteFile(outside, []byte("keep"), 0o644); err != nil {
				t.Fatal(err)
			}
			b := layerTar(t, tt.entries...)
			diffID, _, _ := v1.SHA256(bytes.NewReader(b))
			_, err := unpackLayer(context.Background(), bytes.NewReader(b), root, diffID)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("unpack: %v, want an error containing %q", err, tt.want)
			}
			ents, _ := os.ReadDir(parent)
			if len(ents) != 2 {
				t.Errorf("files beside the layer: %v", ents)
			}
			if b, err := os.ReadFile(outside); err != nil || string(b) != "keep" {
				t.Errorf("file outside changed: %q, %v", b, err)
			}
			if _, err := unix.Lgetxattr(parent, "trusted.overlay.opaque", make([]byte, 8)); err == nil {
				t.Errorf("the layer's parent was made opaque")
			}
		})
	}
}

func TestUnpackChecksDiffID(t *testing.T) {
	requireRoot(t)
	b := layerTar(t, file("a", "x", 0o644, 0, 0))
	_, err := unpackLayer(context.Background(), bytes.NewReader(b), t.TempDir(), v1.Hash{Algorithm: "sha256", Hex: hex64("0")})
	if err == nil || !strings.Contains(err.Error(), "corrupt") {
		t.Fatalf("unpack with a wrong diff ID: %v", err)
	}
}

// TestLayersConcurrent asks for the layers from several store handles at
// once, as several berth processes would, after a crash left a layer
// half unpacked.
func TestLayersConcurrent(t *testing.T) {
	requireRoot(t)
	s := newStore(t)
	dirs := loadTestImage(t, s, "conc:1")
	// A crash between unpacking and the done marker: junk, no marker.
	top := dirs[1]
	if err := os.Remove(top + ".done"); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(top+"/junk", []byte("half"), 0o644); err != nil {
		t.Fatal(err)
	}
	const n = 6
	results := make([][]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			h, err := Open(s.root)
			if err == nil {
				results[i], err = h.Layers(context.Background(), "conc:1")
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil || !slices.Equal(results[i], dirs) {
			t.Errorf("caller %d: %v, %v; want %v", i, results[i], errs[i], dirs)
		}
	}
	if _, err := os.Stat(top + "/junk"); err == nil {
		t.Errorf("the half-unpacked layer was used as it was")
	}
	if b, err := os.ReadFile(top + "/d/new"); err != nil || string(b) != "new" {
		t.Errorf("d/new after the unpack: %q, %v", b, err)
	}
}
