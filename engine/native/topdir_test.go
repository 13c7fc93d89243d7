package native

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// TestSpreadSubdirs checks that the engine marks its per-container
// directories' parents for spreading, where the filesystem is ext4 (the
// only one that knows the flag).
func TestSpreadSubdirs(t *testing.T) {
	e := newTestEngine(t)
	var fs unix.Statfs_t
	if err := unix.Statfs(e.root, &fs); err != nil {
		t.Fatal(err)
	}
	if fs.Type != unix.EXT4_SUPER_MAGIC {
		t.Skipf("%s is not on ext4", e.root)
	}
	for _, d := range []string{"containers", "runc"} {
		f, err := os.Open(filepath.Join(e.root, d))
		if err != nil {
			t.Fatal(err)
		}
		flags, err := unix.IoctlGetUint32(int(f.Fd()), unix.FS_IOC_GETFLAGS)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if flags&fsTopdirFL == 0 {
			t.Errorf("%s: flags %#x lack FS_TOPDIR_FL", d, flags)
		}
	}
}
