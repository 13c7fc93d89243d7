package overlay

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatal("overlay mounts need root, and CI is set")
	}
	t.Skip("overlay mounts need root")
}

// stack makes n lower layers under a deliberately long directory, so that
// their absolute paths cannot fit in one page: layer i holds the file
// "i" and a file "top" holding i; the topmost layer must win.
func stack(t *testing.T, n int) (Layers, string) {
	t.Helper()
	root := filepath.Join(t.TempDir(), strings.Repeat("long-image-store-path", 3))
	var l Layers
	for i := n - 1; i >= 0; i-- {
		dir := filepath.Join(root, "layers", fmt.Sprintf("%064d", i))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, body := range map[string]string{fmt.Sprint(i): "", "top": fmt.Sprint(i)} {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		l.Lower = append(l.Lower, dir)
	}
	l.Upper, l.Work = filepath.Join(root, "upper"), filepath.Join(root, "work")
	target := filepath.Join(root, "rootfs")
	for _, d := range []string{l.Upper, l.Work, target} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return l, target
}

func TestMountManyLayers(t *testing.T) {
	needRoot(t)
	const n = 130
	for _, tc := range []struct {
		name  string
		mount func(string, Layers) error
	}{
		{"Mount", Mount},
		{"legacy", mountLegacy},
		{"new", func(target string, l Layers) error {
			err := mountNew(target, l)
			if errors.Is(err, errNoNewAPI) {
				t.Skip("this kernel has no lowerdir+ (Linux 6.8)")
			}
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, target := stack(t, n)
			if len(options(l.Lower, l)) < unix.Getpagesize() {
				t.Fatalf("the test's paths fit in a page: it would not test long stacks")
			}
			if err := tc.mount(target, l); err != nil {
				t.Fatalf("mount %d layers: %v", n, err)
			}
			t.Cleanup(func() {
				if err := unix.Unmount(target, unix.MNT_DETACH); err != nil {
					t.Errorf("unmount: %v", err)
				}
			})
			for i := range n {
				if _, err := os.Stat(filepath.Join(target, fmt.Sprint(i))); err != nil {
					t.Errorf("layer %d is not in the mount: %v", i, err)
				}
			}
			if b, err := os.ReadFile(filepath.Join(target, "top")); err != nil || string(b) != fmt.Sprint(n-1) {
				t.Errorf("top = %q, %v; want %d, the topmost layer's", b, err, n-1)
			}
			if err := os.WriteFile(filepath.Join(target, "new"), nil, 0o644); err != nil {
				t.Fatalf("write to the mount: %v", err)
			}
			if _, err := os.Stat(filepath.Join(l.Upper, "new")); err != nil {
				t.Errorf("a write did not land in the upper layer: %v", err)
			}
		})
	}
}

func TestMountErrors(t *testing.T) {
	needRoot(t)
	l, target := stack(t, 2)
	missing := l
	missing.Lower = []string{l.Lower[0], filepath.Join(t.TempDir(), "gone")}
	for _, tc := range []struct {
		name string
		l    Layers
		want string
	}{
		{"no lower", Layers{Upper: l.Upper, Work: l.Work}, "no lower layer"},
		{"missing lower", missing, "gone"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Mount(target, tc.l)
			if err == nil {
				_ = unix.Unmount(target, unix.MNT_DETACH)
				t.Fatal("Mount succeeded")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Mount: %v; want it to mention %q", err, tc.want)
			}
		})
	}
}

func TestLegacyTooMany(t *testing.T) {
	needRoot(t)
	l, target := stack(t, 260)
	err := mountLegacy(target, l)
	if err == nil {
		_ = unix.Unmount(target, unix.MNT_DETACH)
	}
	if !errors.Is(err, ErrTooMany) {
		t.Errorf("mountLegacy of 260 layers: %v; want ErrTooMany", err)
	}
}
