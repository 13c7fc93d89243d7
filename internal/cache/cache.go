// Package cache keeps small derived files between berth runs: one file per
// key in one directory, each written atomically, the directory bounded in
// number of entries.
//
// A cache is only ever an optimisation. Every failure to read one is a miss,
// and every failure to write one can be ignored by the caller: the entry is
// simply computed again next time. Entries may hold secrets (resolved
// service environments), so the directory is private to its user (0700) and
// every entry is 0600.
//
// # Concurrency properties
//
// Several processes may use one directory at once. A writer never exposes a
// partial entry: it writes a temporary file and renames it over the entry,
// so a reader sees the old content, the new content or nothing. Two writers
// of one key both succeed and the last rename wins; since an entry is a
// function of its key, either content is right.
package cache

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// ErrMiss is returned by Get when there is no entry for the key.
var ErrMiss = errors.New("cache miss")

const (
	suffix    = ".json"
	tmpPrefix = ".tmp-"
	// staleTemp is how old a leftover temporary file (from a writer that
	// was killed between create and rename) must be before Put removes it:
	// far longer than any write takes, so a live writer's file is never
	// removed under it.
	staleTemp = time.Hour
)

// Dir is a cache directory holding at most Max entries.
type Dir struct {
	Path string
	Max  int // entries kept by Put; <= 0 means no bound
}

// Get returns the content stored under key, or ErrMiss. A hit refreshes the
// entry's modification time so that the bound drops the least recently used
// entries, not the oldest written.
func (d Dir) Get(key string) ([]byte, error) {
	if err := validKey(key); err != nil {
		return nil, err
	}
	p := d.file(key)
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrMiss
	}
	if err != nil {
		return nil, fmt.Errorf("read cache entry: %w", err)
	}
	now := time.Now()
	// Best effort: an entry that cannot be touched is only evicted sooner.
	_ = os.Chtimes(p, now, now)
	return b, nil
}

// Put stores data under key atomically, then, when the directory holds
// more than Max entries, drops the least recently used (see trim).
func (d Dir) Put(key string, data []byte) error {
	if err := validKey(key); err != nil {
		return err
	}
	if err := os.MkdirAll(d.Path, 0o700); err != nil {
		return fmt.Errorf("create cache directory: %w", err)
	}
	f, err := os.CreateTemp(d.Path, tmpPrefix+"*")
	if err != nil {
		return fmt.Errorf("create cache entry: %w", err)
	}
	tmp := f.Name()
	_, werr := f.Write(data)
	cerr := f.Close()
	if err := errors.Join(werr, cerr); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("write cache entry: %w", err)
	}
	if err := os.Rename(tmp, d.file(key)); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("store cache entry: %w", err)
	}
	return d.trim()
}

// Remove deletes the entry for key, if any.
func (d Dir) Remove(key string) error {
	if err := validKey(key); err != nil {
		return err
	}
	if err := os.Remove(d.file(key)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove cache entry: %w", err)
	}
	return nil
}

func (d Dir) file(key string) string { return filepath.Join(d.Path, key+suffix) }

// trim removes temporary files left by killed writers and, once there are
// more than Max entries, the least recently used down to Max less a
// quarter. Counting needs only the directory listing; the entries' times
// are read and sorted only when some must go, once every Max/4 writes
// rather than on every one. Files it does not know are left alone.
func (d Dir) trim() error {
	ents, err := os.ReadDir(d.Path)
	if err != nil {
		return fmt.Errorf("list cache directory: %w", err)
	}
	type entry struct {
		name string
		mod  time.Time
	}
	var entries []entry
	var errs []error
	over := d.Max > 0 && countEntries(ents) > d.Max
	for _, e := range ents {
		name := e.Name()
		temp := strings.HasPrefix(name, tmpPrefix)
		if !temp && (!over || !isEntry(name)) {
			continue
		}
		info, err := e.Info()
		if err != nil || !info.Mode().IsRegular() {
			continue // removed meanwhile, or not ours
		}
		switch {
		case temp:
			if time.Since(info.ModTime()) > staleTemp {
				errs = append(errs, removeIfPresent(filepath.Join(d.Path, name)))
			}
		default:
			entries = append(entries, entry{name, info.ModTime()})
		}
	}
	keep := d.Max - d.Max/4
	if !over || len(entries) <= keep {
		return errors.Join(errs...)
	}
	// Newest first; ties by name so that the outcome does not depend on
	// the directory order.
	slices.SortFunc(entries, func(a, b entry) int {
		if c := b.mod.Compare(a.mod); c != 0 {
			return c
		}
		return strings.Compare(a.name, b.name)
	})
	for _, e := range entries[keep:] {
		errs = append(errs, removeIfPresent(filepath.Join(d.Path, e.name)))
	}
	return errors.Join(errs...)
}

// countEntries counts the listed files that may be entries.
func countEntries(ents []os.DirEntry) int {
	n := 0
	for _, e := range ents {
		if isEntry(e.Name()) {
			n++
		}
	}
	return n
}

// isEntry reports whether a file name is an entry's, not a temporary
// file's or one the cache does not know.
func isEntry(name string) bool {
	return strings.HasSuffix(name, suffix) && !strings.HasPrefix(name, tmpPrefix)
}

// removeIfPresent removes p; another process removing it first is fine.
func removeIfPresent(p string) error {
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("trim cache: %w", err)
	}
	return nil
}

// validKey accepts keys that are plain file names: letters, digits, '-'
// and '_'. Callers use hex digests; anything else is a bug, not a path.
func validKey(key string) error {
	if key == "" || len(key) > 128 {
		return fmt.Errorf("cache key %q: want 1 to 128 characters", key)
	}
	for _, r := range key {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return fmt.Errorf("cache key %q: want only letters, digits, '-' and '_'", key)
		}
	}
	return nil
}
