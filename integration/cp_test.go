package integration

import (
	"archive/tar"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/itest"
)

// TestCp: berth cp copies files and directories both ways through the
// daemon's archive API, to every replica of a service, with docker cp's
// naming rules.
func TestCp(t *testing.T) {
	t.Parallel()
	s := newStack(t, `
services:
  web:
    image: @IMAGE@
    command: ["write", "/made.txt", "made inside"]
    scale: 2
`)
	s.mustBerth("up", "-d")
	c1, c2 := s.name("web", 1), s.name("web", 2)
	itest.Eventually(t, 20*time.Second, "the container's file", func() error {
		_, err := s.exec(c1, "cat", "/made.txt")
		return err
	})

	// Host → every replica: a file into a directory, a directory to a new name.
	s.write("hello.txt", "hello")
	if err := os.MkdirAll(filepath.Join(s.dir, "tree", "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	s.write("tree/sub/deep.txt", "deep")
	s.mustBerth("cp", "hello.txt", "web:/")
	s.mustBerth("cp", "tree", "web:/copied")
	for _, c := range []string{c1, c2} {
		for file, want := range map[string]string{"/hello.txt": "hello", "/copied/sub/deep.txt": "deep"} {
			if got, err := s.exec(c, "cat", file); err != nil || got != want {
				t.Errorf("after cp into web, %s:%s holds %q (%v), want %q", c, file, got, err, want)
			}
		}
	}

	// Replica → host: a file to a new name, a directory into a directory.
	s.mustBerth("cp", "web:/made.txt", "out.txt")
	if b, err := os.ReadFile(filepath.Join(s.dir, "out.txt")); err != nil || string(b) != "made inside" {
		t.Errorf("cp web:/made.txt out.txt wrote %q (%v), want the container's file", b, err)
	}
	if err := os.Mkdir(filepath.Join(s.dir, "back"), 0o755); err != nil {
		t.Fatal(err)
	}
	s.mustBerth("cp", "--index", "2", "web:/copied", "back")
	if b, err := os.ReadFile(filepath.Join(s.dir, "back", "copied", "sub", "deep.txt")); err != nil || string(b) != "deep" {
		t.Errorf("cp --index 2 web:/copied back wrote %q (%v), want back/copied/sub/deep.txt", b, err)
	}

	// A tar on stdout, and one from stdin into the second replica only.
	r := s.mustBerth("cp", "web:/hello.txt", "-")
	if hdr, err := tar.NewReader(strings.NewReader(r.stdout)).Next(); err != nil || hdr.Name != "hello.txt" {
		t.Errorf("cp web:/hello.txt - wrote a tar starting with %+v (%v), want hello.txt", hdr, err)
	}
	var in bytes.Buffer
	tw := tar.NewWriter(&in)
	_ = tw.WriteHeader(&tar.Header{Name: "piped.txt", Mode: 0o644, Size: 5, Typeflag: tar.TypeReg})
	_, _ = io.WriteString(tw, "piped")
	_ = tw.Close()
	ctx, cancel := context.WithTimeout(context.Background(), berthTimeout)
	defer cancel()
	cmd := berthCommand(ctx, s.dir, "-p", s.project, "cp", "--index", "2", "-", "web:/")
	cmd.Stdin = &in
	if res := runCmd(cmd, []string{"berth", "cp", "-", "web:/"}); res.code != 0 {
		t.Fatalf("cp - web:/ failed: %v", res)
	}
	if got, err := s.exec(c2, "cat", "/piped.txt"); err != nil || got != "piped" {
		t.Errorf("cp --index 2 - web:/ put %q (%v) in %s, want piped", got, err, c2)
	}
	if _, err := s.exec(c1, "cat", "/piped.txt"); err == nil {
		t.Errorf("cp --index 2 - web:/ wrote into %s too", c1)
	}
}
