package exepages

import (
	"os"
	"strconv"
	"strings"
	"testing"
)

func TestParseLine(t *testing.T) {
	for _, tc := range []struct {
		line  string
		ok    bool
		r     [2]uintptr
		perms string
		path  string
	}{
		{line: "00400000-00565000 r-xp 00000000 fe:00 9990225                            /usr/bin/berth-monitor",
			ok: true, r: [2]uintptr{0x400000, 0x565000}, perms: "r-xp", path: "/usr/bin/berth-monitor"},
		{line: "7f9c984c0000-7f9c98700000 rw-p 00000000 00:00 0 ", ok: true, r: [2]uintptr{0x7f9c984c0000, 0x7f9c98700000}, perms: "rw-p"},
		{line: "7ffc3752e000-7ffc3754f000 rw-p 00000000 00:00 0                          [stack]",
			ok: true, r: [2]uintptr{0x7ffc3752e000, 0x7ffc3754f000}, perms: "rw-p", path: "[stack]"},
		{line: "00400000-00565000 r--p 00000000 fe:00 1 /tmp/a dir/with spaces",
			ok: true, r: [2]uintptr{0x400000, 0x565000}, perms: "r--p", path: "/tmp/a dir/with spaces"},
		{line: ""},
		{line: "00565000-00400000 r--p 00000000 fe:00 1 /x"}, // end before start
		{line: "0040000g-00565000 r--p 00000000 fe:00 1 /x"}, // not hex
		{line: "00400000 r--p 00000000 fe:00 1 /x"},          // no range
	} {
		r, perms, path, ok := parseLine([]byte(tc.line))
		if ok != tc.ok || ok && (r != tc.r || perms != tc.perms || string(path) != tc.path) {
			t.Errorf("parseLine(%q) = %x, %q, %q, %v; want %x, %q, %q, %v", tc.line, r, perms, path, ok, tc.r, tc.perms, tc.path, tc.ok)
		}
	}
}

// TestRelease checks that Release unmaps the executable's pages that this
// process, a static test binary, has mapped, and that the process runs on.
func TestRelease(t *testing.T) {
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		t.Skipf("no /proc/self/maps: %v", err)
	}
	exe, _ := os.Executable()
	for _, l := range strings.Split(string(maps), "\n") {
		if f := strings.Fields(l); len(f) >= 6 && strings.HasPrefix(f[5], "/") && f[5] != exe {
			t.Skipf("the test binary maps %s: it is dynamically linked, and Release leaves it alone", f[5])
		}
	}
	before := rssFile(t)
	Release()
	after := rssFile(t)
	// Reading the status again maps some back at once (fault-around):
	// measured, 2.9 MB before and 1.7 MB after.
	if after > before*3/4 {
		t.Errorf("RssFile %d kB before Release, %d kB after; want a quarter or more gone", before, after)
	}
}

func rssFile(t *testing.T) int {
	t.Helper()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "RssFile:"); ok {
			n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatal("no RssFile in /proc/self/status")
	return 0
}
