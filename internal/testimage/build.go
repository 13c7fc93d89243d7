package testimage

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"
)

// HashLabel holds a hash of everything an image was built from; an image
// whose label matches is reused instead of rebuilt.
const HashLabel = "dev.berth.testimage.hash"

// recipe is part of every hash: bump it when the way images are packed
// changes, so that images built the old way are rebuilt.
const recipe = "berth-testimage/1"

// Build compiles the Go program in dir (a main package inside a module) as a
// static binary and packs it FROM scratch into image tag, with the binary at
// /<base name of dir> as the entrypoint and an empty, world-writable /tmp.
// Nothing is pulled. When tag already carries the hash of dir's files, Build
// does nothing.
//
// Images are packed with `docker import` of a tar written here rather than
// `docker build`: a scratch image needs no build step, import takes a single
// round trip, and it works the same whether or not BuildKit is available.
func Build(ctx context.Context, dir, tag string) error {
	return build(ctx, dir, tag, filepath.Base(dir))
}

func build(ctx context.Context, dir, tag, bin string) error {
	hash, err := sourceHash(dir, bin)
	if err != nil {
		return fmt.Errorf("build %s from %s: %w", tag, dir, err)
	}
	if imageLabel(ctx, tag, HashLabel) == hash {
		return nil
	}
	layer, err := progLayer(ctx, dir, bin)
	if err != nil {
		return fmt.Errorf("build %s: %w", tag, err)
	}
	changes := []string{
		fmt.Sprintf(`ENTRYPOINT ["/%s"]`, bin),
		fmt.Sprintf("LABEL %s=%s", HashLabel, hash),
	}
	if err := dockerImport(ctx, layer, tag, changes); err != nil {
		return fmt.Errorf("build %s: %w", tag, err)
	}
	return nil
}

// progLayer compiles the Go program in dir as a static binary and packs it
// as a layer holding /<bin> and an empty, world-writable /tmp.
func progLayer(ctx context.Context, dir, bin string) ([]byte, error) {
	tmp, err := os.MkdirTemp("", "berth-testimage-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)

	out := filepath.Join(tmp, bin)
	gobuild := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags=-s -w", "-o", out, ".")
	gobuild.Dir = dir
	gobuild.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+runtime.GOARCH)
	if msg, err := gobuild.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("go build in %s: %w\n%s", dir, err, msg)
	}
	binary, err := os.ReadFile(out)
	if err != nil {
		return nil, err
	}
	return tarball([]tarEntry{
		{name: "tmp/", mode: 0o1777, dir: true},
		{name: bin, mode: 0o755, data: binary},
	})
}

// buildShell packs busybox with a symlink for each of its applets, so that
// `sh -c` and CMD-SHELL healthchecks work.
func buildShell(ctx context.Context, busybox, tag string) error {
	binary, err := os.ReadFile(busybox)
	if err != nil {
		return fmt.Errorf("build %s: %w", tag, err)
	}
	sum := sha256.Sum256(append([]byte(recipe+"\x00shell\x00"), binary...))
	hash := hex.EncodeToString(sum[:])
	if imageLabel(ctx, tag, HashLabel) == hash {
		return nil
	}
	files, err := shellEntries(ctx, busybox, binary)
	if err != nil {
		return fmt.Errorf("build %s: %w", tag, err)
	}
	layer, err := tarball(files)
	if err != nil {
		return fmt.Errorf("build %s: %w", tag, err)
	}
	changes := []string{`CMD ["sh"]`, fmt.Sprintf("LABEL %s=%s", HashLabel, hash)}
	if err := dockerImport(ctx, layer, tag, changes); err != nil {
		return fmt.Errorf("build %s: %w", tag, err)
	}
	return nil
}

// shellEntries are the files of the busybox image: the binary and a
// symlink to it for each of its applets.
func shellEntries(ctx context.Context, busybox string, binary []byte) ([]tarEntry, error) {
	list, err := exec.CommandContext(ctx, busybox, "--list-full").Output()
	if err != nil {
		return nil, fmt.Errorf("%s --list-full: %w", busybox, err)
	}
	files := []tarEntry{
		{name: "tmp/", mode: 0o1777, dir: true},
		{name: "bin/busybox", mode: 0o755, data: binary},
	}
	dirs := map[string]bool{"bin": true}
	for _, applet := range strings.Fields(string(list)) {
		if applet == "bin/busybox" {
			continue
		}
		if d := path.Dir(applet); !dirs[d] {
			// Parents first: some tar readers refuse an entry whose directory
			// was never declared.
			for _, p := range parents(d) {
				if !dirs[p] {
					dirs[p] = true
					files = append(files, tarEntry{name: p + "/", mode: 0o755, dir: true})
				}
			}
		}
		files = append(files, tarEntry{name: applet, link: "/bin/busybox"})
	}
	return files, nil
}

// parents returns "usr", "usr/bin" for "usr/bin".
func parents(dir string) []string {
	var out []string
	parts := strings.Split(dir, "/")
	for i := range parts {
		out = append(out, strings.Join(parts[:i+1], "/"))
	}
	return out
}

// sourceHash hashes every file under dir by relative path and content, so a
// change to the program forces a rebuild and nothing else does.
func sourceHash(dir, bin string) (string, error) {
	var names []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			names = append(names, p)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	if len(names) == 0 {
		return "", fmt.Errorf("no files in %s", dir)
	}
	sort.Strings(names)
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00", recipe, bin, runtime.GOARCH)
	for _, p := range names {
		b, err := os.ReadFile(p)
		if err != nil {
			return "", err
		}
		rel, _ := filepath.Rel(dir, p)
		fmt.Fprintf(h, "%s\x00%d\x00", filepath.ToSlash(rel), len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// imageLabel returns the value of label on image ref, or "" when the image
// or the label is missing.
func imageLabel(ctx context.Context, ref, label string) string {
	format := fmt.Sprintf(`{{index .Config.Labels %q}}`, label)
	out, err := exec.CommandContext(ctx, "docker", "image", "inspect", "--format", format, ref).Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

func dockerImport(ctx context.Context, layer []byte, tag string, changes []string) error {
	args := []string{"import"}
	for _, c := range changes {
		args = append(args, "--change", c)
	}
	args = append(args, "-", tag)
	cmd := exec.CommandContext(ctx, "docker", args...)
	cmd.Stdin = bytes.NewReader(layer)
	if msg, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("docker import: %w\n%s", err, msg)
	}
	return nil
}

type tarEntry struct {
	name string
	mode int64
	dir  bool
	link string // symlink target, if a symlink
	data []byte
}

func tarball(entries []tarEntry) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	// A fixed time keeps the layer identical across builds of the same input.
	mtime := time.Unix(0, 0)
	for _, e := range entries {
		hdr := &tar.Header{Name: e.name, Mode: e.mode, ModTime: mtime, Format: tar.FormatPAX}
		switch {
		case e.dir:
			hdr.Typeflag = tar.TypeDir
		case e.link != "":
			hdr.Typeflag, hdr.Linkname, hdr.Mode = tar.TypeSymlink, e.link, 0o777
		default:
			hdr.Typeflag, hdr.Size = tar.TypeReg, int64(len(e.data))
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, err
		}
		if hdr.Typeflag == tar.TypeReg {
			if _, err := tw.Write(e.data); err != nil {
				return nil, err
			}
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// progDir finds ./prog next to this file. runtime.Caller gives the source
// path unless the test binary was built with -trimpath; then ask go list.
func progDir(ctx context.Context) (string, error) {
	if _, file, _, ok := runtime.Caller(0); ok {
		dir := filepath.Join(filepath.Dir(file), "prog")
		if st, err := os.Stat(dir); err == nil && st.IsDir() {
			return dir, nil
		}
	}
	out, err := exec.CommandContext(ctx, "go", "list", "-f", "{{.Dir}}", "github.com/berth-dev/berth/internal/testimage/prog").Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return "", fmt.Errorf("locate the test program: go list: %w\n%s", err, ee.Stderr)
		}
		return "", fmt.Errorf("locate the test program: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}
