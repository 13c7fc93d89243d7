package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

func (s *Store) blobPath(h v1.Hash) string {
	return filepath.Join(s.root, "blobs", h.Algorithm, h.Hex)
}

func (s *Store) hasBlob(h v1.Hash) bool {
	_, err := os.Stat(s.blobPath(h))
	return err == nil
}

// putBytes stores b as a blob and returns its digest.
func (s *Store) putBytes(b []byte) (v1.Hash, error) {
	h, _, err := s.writeBlob(bytes.NewReader(b), nil, nil)
	return h, err
}

// writeBlob copies r into a blob, checking its digest when want is set;
// progress, if set, is told the bytes copied so far. A blob is renamed into
// place only once complete and synced, so a blob that exists is whole.
func (s *Store) writeBlob(r io.Reader, want *v1.Hash, progress func(int64)) (v1.Hash, int64, error) {
	f, err := os.CreateTemp(filepath.Join(s.root, "tmp"), "blob-")
	if err != nil {
		return v1.Hash{}, 0, fmt.Errorf("store a blob: %w", err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	sum := sha256.New()
	w := io.MultiWriter(f, sum)
	if progress != nil {
		w = &progressWriter{w: w, report: progress}
	}
	n, err := io.Copy(w, r)
	if err != nil {
		return v1.Hash{}, 0, fmt.Errorf("store a blob: %w", err)
	}
	h := v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(sum.Sum(nil))}
	if want != nil && h != *want {
		return v1.Hash{}, 0, fmt.Errorf("blob %s has digest %s: the source is corrupt or was changed while read", want, h)
	}
	if err := f.Sync(); err != nil {
		return v1.Hash{}, 0, fmt.Errorf("store blob %s: %w", h, err)
	}
	if err := os.Rename(f.Name(), s.blobPath(h)); err != nil {
		return v1.Hash{}, 0, fmt.Errorf("store blob %s: %w", h, err)
	}
	return h, n, nil
}

// ingestFile moves the file at path, under tmp/, into the blobs by its
// digest, checked against want when set.
func (s *Store) ingestFile(path string, want *v1.Hash) (v1.Hash, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return v1.Hash{}, 0, err
	}
	sum := sha256.New()
	n, err := io.Copy(sum, f)
	f.Close()
	if err != nil {
		return v1.Hash{}, 0, fmt.Errorf("read %s: %w", path, err)
	}
	h := v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(sum.Sum(nil))}
	if want != nil && h != *want {
		return v1.Hash{}, 0, fmt.Errorf("blob %s has digest %s: the archive is corrupt", want, h)
	}
	if s.hasBlob(h) {
		return h, n, nil
	}
	// Synced before the rename for the same reason as writeBlob.
	if err := syncFile(path); err != nil {
		return v1.Hash{}, 0, err
	}
	if err := os.Rename(path, s.blobPath(h)); err != nil {
		return v1.Hash{}, 0, fmt.Errorf("store blob %s: %w", h, err)
	}
	return h, n, nil
}

func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", path, err)
	}
	return nil
}

// progressWriter reports the bytes written every MiB: often enough for a
// progress bar, rarely enough not to flood it.
type progressWriter struct {
	w       io.Writer
	n, last int64
	report  func(int64)
}

func (p *progressWriter) Write(b []byte) (int, error) {
	n, err := p.w.Write(b)
	p.n += int64(n)
	if p.n-p.last >= 1<<20 {
		p.last = p.n
		p.report(p.n)
	}
	return n, err
}
