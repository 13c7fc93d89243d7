package store

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/bzip2"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"golang.org/x/sys/unix"
)

const (
	whiteoutPrefix = ".wh."
	whiteoutMeta   = ".wh..wh." // aufs bookkeeping, such as .wh..wh.plnk
	whiteoutOpaque = ".wh..wh..opq"
	xattrPrefix    = "SCHILY.xattr."
	// overlayXattrs are overlayfs's own; a layer setting them could
	// redirect lookups out of its directory, so they are not taken.
	overlayXattrs = "trusted.overlay."
)

// decompress returns r uncompressed, recognising gzip, zstd and bzip2 by
// their magic numbers whatever a media type says.
func decompress(r io.Reader) (io.ReadCloser, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	magic, err := br.Peek(4)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	switch {
	case bytes.HasPrefix(magic, []byte{0x1f, 0x8b}):
		return gzip.NewReader(br)
	case bytes.HasPrefix(magic, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		d, err := zstd.NewReader(br)
		if err != nil {
			return nil, err
		}
		return d.IOReadCloser(), nil
	case bytes.HasPrefix(magic, []byte("BZh")):
		return io.NopCloser(bzip2.NewReader(br)), nil
	}
	return io.NopCloser(br), nil
}

// unpackLayer writes the layer tar stream r into the empty directory root,
// as overlayfs wants a lower directory: a whiteout .wh.NAME becomes a 0:0
// character device NAME and .wh..wh..opq marks its directory opaque.
// Ownership, modes, times, links and extended attributes are kept; a path
// leaving root, directly or through a symlink, fails the unpack. It
// returns the size of the tar stream, checked against diffID.
func unpackLayer(ctx context.Context, r io.Reader, root string, diffID v1.Hash) (int64, error) {
	sum := sha256.New()
	counted := &countingReader{r: io.TeeReader(r, sum)}
	tr := tar.NewReader(counted)
	u := unpacker{root: root}
	for {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return 0, fmt.Errorf("read the layer: %w", err)
		}
		if err := u.entry(tr, hdr); err != nil {
			return 0, fmt.Errorf("unpack %q: %w", hdr.Name, err)
		}
	}
	// The digest covers the padding after the last entry too.
	if _, err := io.Copy(io.Discard, counted); err != nil {
		return 0, fmt.Errorf("read the layer: %w", err)
	}
	if got := hex.EncodeToString(sum.Sum(nil)); got != diffID.Hex {
		return 0, fmt.Errorf("layer content has digest sha256:%s, not %s: the blob is corrupt", got, diffID)
	}
	// Directory times last: creating their entries changed them.
	for i := len(u.dirs) - 1; i >= 0; i-- {
		if err := setTimes(u.dirs[i].path, u.dirs[i].hdr); err != nil {
			return 0, err
		}
	}
	return counted.n, nil
}

type unpacker struct {
	root string
	dirs []dirEntry
}

type dirEntry struct {
	path string
	hdr  *tar.Header
}

func (u *unpacker) entry(tr io.Reader, hdr *tar.Header) error {
	rel, err := cleanName(hdr.Name)
	if err != nil {
		return err
	}
	if hdr.Typeflag == tar.TypeXGlobalHeader {
		return nil
	}
	if rel == "" {
		if hdr.Typeflag != tar.TypeDir {
			return errors.New("the layer's root is not a directory")
		}
		return u.meta(u.root, hdr)
	}
	dir, base := path.Split(rel)
	parent, err := u.mkdirs(dir)
	if err != nil {
		return err
	}
	switch {
	case base == whiteoutOpaque:
		return unix.Lsetxattr(parent, "trusted.overlay.opaque", []byte("y"), 0)
	case strings.HasPrefix(base, whiteoutMeta):
		return nil
	case strings.HasPrefix(base, whiteoutPrefix):
		name := strings.TrimPrefix(base, whiteoutPrefix)
		if name == "" || name == "." || name == ".." {
			return errors.New("whiteout of no file")
		}
		target := filepath.Join(parent, name)
		if err := os.RemoveAll(target); err != nil {
			return err
		}
		return unix.Mknod(target, unix.S_IFCHR, 0)
	}
	target := filepath.Join(parent, base)
	if fi, err := os.Lstat(target); err == nil && !(fi.IsDir() && hdr.Typeflag == tar.TypeDir) {
		if err := os.RemoveAll(target); err != nil {
			return err
		}
	}
	switch hdr.Typeflag {
	case tar.TypeDir:
		if err := os.Mkdir(target, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
			return err
		}
	case tar.TypeReg: // the reader turns the old TypeRegA into TypeReg
		if err := writeFile(target, tr); err != nil {
			return err
		}
	case tar.TypeSymlink:
		if err := os.Symlink(hdr.Linkname, target); err != nil {
			return err
		}
	case tar.TypeLink:
		// A hard link shares its target's inode, metadata and all.
		return u.link(hdr.Linkname, target)
	case tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
		mode := map[byte]uint32{tar.TypeChar: unix.S_IFCHR, tar.TypeBlock: unix.S_IFBLK, tar.TypeFifo: unix.S_IFIFO}[hdr.Typeflag]
		dev := unix.Mkdev(uint32(hdr.Devmajor), uint32(hdr.Devminor))
		if err := unix.Mknod(target, mode|uint32(hdr.Mode&0o7777), int(dev)); err != nil {
			return err
		}
	default:
		return fmt.Errorf("tar entry type %q is not supported in a layer", hdr.Typeflag)
	}
	return u.meta(target, hdr)
}

// meta gives target the owner, mode, extended attributes and times of hdr.
// The order matters: chown clears setuid bits and file capabilities, so
// the mode and the xattrs come after it.
func (u *unpacker) meta(target string, hdr *tar.Header) error {
	if err := os.Lchown(target, hdr.Uid, hdr.Gid); err != nil {
		return err
	}
	if hdr.Typeflag != tar.TypeSymlink {
		if err := unix.Chmod(target, uint32(hdr.Mode&0o7777)); err != nil {
			return err
		}
	}
	for k, v := range hdr.PAXRecords {
		name, ok := strings.CutPrefix(k, xattrPrefix)
		if !ok || strings.HasPrefix(name, overlayXattrs) {
			continue
		}
		if err := unix.Lsetxattr(target, name, []byte(v), 0); err != nil {
			return fmt.Errorf("set extended attribute %s: %w", name, err)
		}
	}
	if hdr.Typeflag == tar.TypeDir {
		u.dirs = append(u.dirs, dirEntry{path: target, hdr: hdr})
		return nil
	}
	return setTimes(target, hdr)
}

func setTimes(target string, hdr *tar.Header) error {
	atime := hdr.AccessTime
	if atime.IsZero() {
		atime = hdr.ModTime
	}
	ts := []unix.Timespec{timespec(atime), timespec(hdr.ModTime)}
	if err := unix.UtimesNanoAt(unix.AT_FDCWD, target, ts, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return fmt.Errorf("set the times of %s: %w", target, err)
	}
	return nil
}

func timespec(t time.Time) unix.Timespec {
	if t.IsZero() {
		t = time.Unix(0, 0)
	}
	return unix.NsecToTimespec(t.UnixNano())
}

// link makes target a hard link to the file linkname names in the layer.
func (u *unpacker) link(linkname, target string) error {
	rel, err := cleanName(linkname)
	if err != nil {
		return err
	}
	dir, base := path.Split(rel)
	parent, err := u.existingDir(dir)
	if err != nil {
		return err
	}
	src := filepath.Join(parent, base)
	fi, err := os.Lstat(src)
	if err != nil {
		return fmt.Errorf("hard link to %q: %w", linkname, err)
	}
	if fi.IsDir() {
		return fmt.Errorf("hard link to directory %q", linkname)
	}
	return os.Link(src, target)
}

// mkdirs returns the directory rel (slash-separated, relative) of the
// layer, creating what is missing as docker does (0755, root-owned) and
// refusing to go through a symlink or a file.
func (u *unpacker) mkdirs(rel string) (string, error) {
	return u.walk(rel, true)
}

// existingDir is mkdirs for a directory that must exist.
func (u *unpacker) existingDir(rel string) (string, error) {
	return u.walk(rel, false)
}

func (u *unpacker) walk(rel string, create bool) (string, error) {
	cur := u.root
	for _, c := range strings.Split(strings.Trim(rel, "/"), "/") {
		if c == "" {
			continue
		}
		cur = filepath.Join(cur, c)
		fi, err := os.Lstat(cur)
		switch {
		case errors.Is(err, os.ErrNotExist) && create:
			if err := os.Mkdir(cur, 0o755); err != nil {
				return "", err
			}
			continue
		case err != nil:
			return "", err
		case fi.Mode()&os.ModeSymlink != 0:
			return "", fmt.Errorf("path goes through symlink %q: refused, as it could lead out of the layer", strings.TrimPrefix(cur, u.root))
		case !fi.IsDir():
			return "", fmt.Errorf("%q is not a directory", strings.TrimPrefix(cur, u.root))
		}
	}
	return cur, nil
}

// cleanName is a tar entry's name relative to the layer root; "" is the
// root itself. A name climbing out of the root is refused.
func cleanName(name string) (string, error) {
	c := path.Clean(name)
	if c == ".." || strings.HasPrefix(c, "../") {
		return "", fmt.Errorf("path %q leaves the layer: refused", name)
	}
	c = strings.TrimLeft(c, "/")
	if c == "." {
		c = ""
	}
	return c, nil
}

func writeFile(target string, r io.Reader) error {
	f, err := os.OpenFile(target, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n += int64(n)
	return n, err
}
