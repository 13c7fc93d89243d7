package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"golang.org/x/sys/unix"
)

// Remove removes the reference ref, as `docker rmi` does: a tag or digest
// is untagged, and the image goes when no tag names it any more; an ID
// removes the image with all its references, unless tags of several
// repositories name it. Blobs and unpacked layers no remaining image uses
// are deleted. The caller checks that no container uses the image: its
// layers are lower directories of their root filesystems.
func (s *Store) Remove(ctx context.Context, ref string) error {
	// Exclusive: no load, pull or unpack adds blobs or layers while this
	// decides which are unused and deletes them.
	unlock, err := s.lock(filepath.Join(s.root, gcLock), unix.LOCK_EX)
	if err != nil {
		return err
	}
	defer unlock()
	var gone *record
	var keep map[v1.Hash]bool
	err = s.update(func(ix *index) error {
		r, key, err := ix.resolve(ref)
		if err != nil {
			return err
		}
		id := r.ID.String()
		tags, digests := ix.refsOf(id)
		switch {
		case key != "":
			delete(ix.Refs, key)
			tags, digests = ix.refsOf(id)
			if len(tags) > 0 || (isDigestKey(key) && len(digests) > 0) {
				return nil
			}
		case len(repos(tags)) > 1:
			return fmt.Errorf("image %s is tagged in several repositories (%s): remove those tags instead", ref, strings.Join(familiar(tags), ", "))
		}
		for _, k := range append(tags, digests...) {
			delete(ix.Refs, k)
		}
		delete(ix.Images, id)
		gone, keep = r, ix.inUse()
		return nil
	})
	if err != nil || gone == nil {
		return err
	}
	return s.collect(gone, keep)
}

// repos are the distinct repositories of canonical keys.
func repos(keys []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, k := range keys {
		if r := repoOf(k); !seen[r] {
			seen[r] = true
			out = append(out, r)
		}
	}
	sort.Strings(out)
	return out
}

// inUse is every digest the remaining images need: blobs and diff IDs.
func (ix *index) inUse() map[v1.Hash]bool {
	used := map[v1.Hash]bool{}
	for _, r := range ix.Images {
		used[r.ID], used[r.Manifest] = true, true
		for _, l := range r.Layers {
			used[l.Digest], used[l.DiffID] = true, true
		}
	}
	return used
}

// collect deletes the blobs and unpacked layers of r that no image in keep
// uses, and leftovers of interrupted loads and pulls in tmp/. The caller
// holds gc.lock exclusively, so no one is writing there.
func (s *Store) collect(r *record, keep map[v1.Hash]bool) error {
	var errs []string
	rm := func(p string) {
		if err := os.RemoveAll(p); err != nil {
			errs = append(errs, err.Error())
		}
	}
	for _, h := range []v1.Hash{r.ID, r.Manifest} {
		if !keep[h] {
			rm(s.blobPath(h))
		}
	}
	for _, l := range r.Layers {
		if !keep[l.Digest] {
			rm(s.blobPath(l.Digest))
		}
		if !keep[l.DiffID] {
			dir := s.layerDir(l.DiffID)
			// The marker first: a half-deleted layer is then unpacked again.
			rm(dir + ".done")
			rm(dir)
			rm(dir + ".lock")
		}
	}
	tmp := filepath.Join(s.root, "tmp")
	if ents, err := os.ReadDir(tmp); err == nil {
		for _, e := range ents {
			rm(filepath.Join(tmp, e.Name()))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("image %s removed, but some of its files were not deleted (delete them by hand): %s", r.ID, strings.Join(errs, "; "))
	}
	return nil
}
