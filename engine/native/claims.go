package native

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/berth-dev/berth/engine"
)

// claims reads what every container holds that a new one must not take:
// its name, published ports and addresses. CreateContainer checks them under
// the state directory's lock, which every create of every berth waits for,
// so it reads only those fields (a record's compose service is most of it),
// and each record once per process while the file stays the same.
type claims struct {
	mu   sync.Mutex
	seen map[string]claimed // by container ID
}

// claimed is one record's claims and the file they were read from.
type claimed struct {
	ino   uint64
	size  int64
	mtime time.Time
	c     *container // ID, Name, Ports and Networks only
}

// all returns the claims of every container under root: containers with
// only ID, Name, Ports and Networks set, shared with later calls, so that
// callers must not change them. A directory without a record is skipped, as
// allContainers does.
func (cl *claims) all(root string) ([]*container, error) {
	dir := filepath.Join(root, "containers")
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("list containers: %w", err)
	}
	cl.mu.Lock()
	defer cl.mu.Unlock()
	if cl.seen == nil {
		cl.seen = map[string]claimed{}
	}
	live := make(map[string]bool, len(entries))
	out := make([]*container, 0, len(entries))
	for _, ent := range entries {
		id := ent.Name()
		if !ent.IsDir() || len(id) != 64 {
			continue
		}
		c, err := cl.read(filepath.Join(dir, id, "container.json"), id)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read the record of container %s: %w", shortID(id), err)
		}
		live[id] = true
		out = append(out, c)
	}
	for id := range cl.seen {
		if !live[id] {
			delete(cl.seen, id)
		}
	}
	return out, nil
}

// read returns the claims in record path, from the cache when the file is
// the one read before: records are replaced by a rename (writeFile), so a
// changed record is a new inode.
func (cl *claims) read(path, id string) (*container, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	var ino uint64
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		ino = st.Ino
	}
	if p, ok := cl.seen[id]; ok && ino != 0 && p.ino == ino && p.size == fi.Size() && p.mtime.Equal(fi.ModTime()) {
		return p.c, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	// Only these fields are decoded: the rest is scanned, not built.
	var rec struct {
		ID       string
		Name     string
		Ports    []engine.Port
		Networks []attachment
	}
	if err := json.Unmarshal(b, &rec); err != nil {
		return nil, err
	}
	c := &container{ID: rec.ID, Name: rec.Name, Ports: rec.Ports, Networks: rec.Networks}
	if c.ID == "" {
		c.ID = id
	}
	cl.seen[id] = claimed{ino: ino, size: fi.Size(), mtime: fi.ModTime(), c: c}
	return c, nil
}
