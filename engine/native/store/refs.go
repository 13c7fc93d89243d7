package store

import (
	"fmt"
	"sort"
	"strings"

	"github.com/distribution/reference"

	"github.com/berth-dev/berth/engine"
)

// resolve finds the image ref names, in docker's order: a full ID, then a
// reference (tag or digest), then a unique short ID of at least four hex
// digits. key is the index entry the reference matched; "" for an ID.
func (ix *index) resolve(ref string) (r *record, key string, err error) {
	if hex, ok := strings.CutPrefix(ref, "sha256:"); ok || len(ref) == 64 {
		if isHex(hex) && len(hex) == 64 {
			if r := ix.Images["sha256:"+hex]; r != nil {
				return r, "", nil
			}
			return nil, "", &engine.ImageNotFoundError{Ref: ref}
		}
	}
	if key, err := refKey(ref); err == nil {
		if id, ok := ix.Refs[key]; ok {
			if r := ix.Images[id]; r != nil {
				return r, key, nil
			}
		}
	}
	prefix := strings.TrimPrefix(ref, "sha256:")
	if len(prefix) < 4 || !isHex(prefix) {
		return nil, "", &engine.ImageNotFoundError{Ref: ref}
	}
	var found []*record
	for id, r := range ix.Images {
		if strings.HasPrefix(strings.TrimPrefix(id, "sha256:"), prefix) {
			found = append(found, r)
		}
	}
	switch len(found) {
	case 0:
		return nil, "", &engine.ImageNotFoundError{Ref: ref}
	case 1:
		return found[0], "", nil
	}
	return nil, "", fmt.Errorf("image ID prefix %q matches %d images: give more digits of the ID", ref, len(found))
}

// refKey is the canonical form of a tag or digest reference, the key of
// index.Refs: "busybox" is "docker.io/library/busybox:latest", and a
// reference with both a tag and a digest is its digest.
func refKey(ref string) (string, error) {
	named, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return "", fmt.Errorf("invalid image reference %q: %w", ref, err)
	}
	if d, ok := named.(reference.Digested); ok {
		c, err := reference.WithDigest(reference.TrimNamed(named), d.Digest())
		if err != nil {
			return "", fmt.Errorf("invalid image reference %q: %w", ref, err)
		}
		return c.String(), nil
	}
	return reference.TagNameOnly(named).String(), nil
}

// tagKey is refKey for a reference that must be a tag, as the target of
// `docker tag` or a pushed reference.
func tagKey(ref string) (string, error) {
	key, err := refKey(ref)
	if err != nil {
		return "", err
	}
	if isDigestKey(key) {
		return "", fmt.Errorf("image reference %q has a digest: give a name and tag instead", ref)
	}
	return key, nil
}

// repoOf is the repository of a canonical key: the part before the tag or
// digest.
func repoOf(key string) string {
	if i := strings.IndexByte(key, '@'); i >= 0 {
		return key[:i]
	}
	if i := strings.LastIndexByte(key, ':'); i > strings.LastIndexByte(key, '/') {
		return key[:i]
	}
	return key
}

func isDigestKey(key string) bool { return strings.Contains(key, "@") }

// refsOf returns the canonical tags and digests naming id, sorted.
func (ix *index) refsOf(id string) (tags, digests []string) {
	for key, v := range ix.Refs {
		if v != id {
			continue
		}
		if isDigestKey(key) {
			digests = append(digests, key)
		} else {
			tags = append(tags, key)
		}
	}
	sort.Strings(tags)
	sort.Strings(digests)
	return tags, digests
}

// familiar turns canonical keys into docker's short form
// ("docker.io/library/busybox:latest" is "busybox:latest").
func familiar(keys []string) []string {
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		named, err := reference.ParseNormalizedNamed(k)
		if err != nil {
			out = append(out, k) // keys are canonical already; keep what cannot be shortened
			continue
		}
		out = append(out, reference.FamiliarString(named))
	}
	return out
}

func isHex(s string) bool {
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return s != ""
}
