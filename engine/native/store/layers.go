package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"golang.org/x/sys/unix"
)

// Layers returns the unpacked layer directories of the image id names
// (any reference Inspect takes), bottom layer first; overlayfs's lowerdir
// option lists them the other way round. A layer not unpacked yet is
// unpacked now; processes asking at the same time unpack it once.
func (s *Store) Layers(ctx context.Context, id string) ([]string, error) {
	unlock, err := s.lock(filepath.Join(s.root, gcLock), unix.LOCK_SH)
	if err != nil {
		return nil, err
	}
	defer unlock()
	ix, err := s.readIndex()
	if err != nil {
		return nil, err
	}
	r, _, err := ix.resolve(id)
	if err != nil {
		return nil, err
	}
	dirs := make([]string, 0, len(r.Layers))
	for _, l := range r.Layers {
		if _, err := s.unpacked(ctx, l); err != nil {
			return nil, err
		}
		dirs = append(dirs, s.layerDir(l.DiffID))
	}
	return dirs, nil
}

func (s *Store) layerDir(diffID v1.Hash) string {
	return filepath.Join(s.root, "layers", diffID.Hex)
}

// unpacked makes sure the layer l is unpacked and returns the size of its
// tar stream. The caller holds gc.lock shared. The done marker, holding
// the size, is written only after the unpacked files are on disk, so a
// directory without it is a crashed attempt, redone from scratch.
func (s *Store) unpacked(ctx context.Context, l layerRecord) (int64, error) {
	dir := s.layerDir(l.DiffID)
	if n, ok := readDone(dir); ok {
		return n, nil
	}
	unlock, err := s.lock(dir+".lock", unix.LOCK_EX)
	if err != nil {
		return 0, err
	}
	defer unlock()
	if n, ok := readDone(dir); ok {
		return n, nil // another process unpacked it while this one waited
	}
	if err := os.RemoveAll(dir); err != nil {
		return 0, fmt.Errorf("clear the half-unpacked layer %s: %w", dir, err)
	}
	if err := os.Mkdir(dir, 0o755); err != nil {
		return 0, fmt.Errorf("unpack layer %s: %w", l.DiffID, err)
	}
	n, err := s.unpackBlob(ctx, l, dir)
	if err != nil {
		return 0, fmt.Errorf("unpack layer %s: %w", l.DiffID, err)
	}
	if err := syncFS(dir); err != nil {
		return 0, fmt.Errorf("unpack layer %s: %w", l.DiffID, err)
	}
	if err := writeFileAtomic(dir+".done", []byte(strconv.FormatInt(n, 10))); err != nil {
		return 0, err
	}
	return n, nil
}

func (s *Store) unpackBlob(ctx context.Context, l layerRecord, dir string) (int64, error) {
	f, err := os.Open(s.blobPath(l.Digest))
	if err != nil {
		return 0, fmt.Errorf("open its blob (the store is damaged: remove the image and load or pull it again): %w", err)
	}
	defer f.Close()
	r, err := decompress(f)
	if err != nil {
		return 0, fmt.Errorf("decompress blob %s: %w", l.Digest, err)
	}
	defer r.Close()
	return unpackLayer(ctx, r, dir, l.DiffID)
}

// readDone reads the done marker of the layer directory dir.
func readDone(dir string) (int64, bool) {
	b, err := os.ReadFile(dir + ".done")
	if err != nil {
		return 0, false
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	return n, err == nil
}

// syncFS flushes the filesystem holding dir: one call instead of a sync
// per unpacked file.
func syncFS(dir string) error {
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	if err := unix.Syncfs(fd); err != nil && !errors.Is(err, unix.ENOSYS) {
		return err
	}
	return nil
}
