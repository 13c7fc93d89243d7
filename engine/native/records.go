package native

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-dev/berth/engine"
)

// container is a container's record, container.json: what CreateContainer
// decided once, so that every later call (start, list, DNS lookups of the
// monitors) agrees on it.
type container struct {
	ID      string
	Name    string
	Created time.Time
	Image   string // the reference it was created from
	ImageID string
	Command string // entrypoint and command, for lists
	Labels  map[string]string
	Service types.ServiceConfig
	// NetworkMode is "bridge" (the Networks below), "none", "host" or
	// "container:ID".
	NetworkMode string
	Networks    []attachment
	Hostname    string
	// Mounts are the resolved mounts of volumes and binds, and Reported
	// how lists show them.
	Mounts   []specs.Mount
	Reported []engine.Mount
	// Anonymous names the anonymous volumes made for it, by target.
	Anonymous map[string]string
	Ports     []engine.Port
	// StopSignal and StopTimeout come from the service or the image.
	StopSignal  string
	StopTimeout time.Duration
	AutoRemove  bool
	AttachStdin bool
	// Watched is a watcher's: its monitor reads fd 4 and kills the
	// container when that input ends.
	Watched bool `json:",omitempty"`
}

// attachment is the container's endpoint on one network.
type attachment struct {
	Network   string // name
	NetworkID string
	Aliases   []string
	Addr      netip.Prefix // address and the network's prefix length
	Gateway   netip.Addr
	MAC       string
	// Index n names the interfaces: eth<n> inside, vb<id[:10]><n> outside.
	Index int
}

func (a attachment) hostVeth(id string) string { return fmt.Sprintf("vb%s%d", id[:10], a.Index) }

// maxAttachments bounds the networks of one container: interface names
// carry one digit.
const maxAttachments = 10

func (e *Engine) recordPath(id string) string {
	return filepath.Join(e.containerDir(id), "container.json")
}

func (e *Engine) readContainer(id string) (*container, error) {
	var c container
	if err := readJSON(e.recordPath(id), &c); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("no such container: %s: %w", id, engine.ErrNotFound)
		}
		return nil, fmt.Errorf("read the record of container %s: %w", shortID(id), err)
	}
	// compose-go leaves the service's name out of its JSON; the label
	// keeps it, and the spec built at start names the service in errors.
	if c.Service.Name == "" {
		c.Service.Name = c.Labels[engine.LabelService]
	}
	return &c, nil
}

func (e *Engine) writeContainer(c *container) error {
	if err := writeJSON(e.recordPath(c.ID), c); err != nil {
		return fmt.Errorf("write the record of container %s: %w", c.Name, err)
	}
	return nil
}

// allContainers reads every container record. A directory without one is
// a container being created or removed, and is skipped.
func (e *Engine) allContainers() ([]*container, error) {
	entries, err := os.ReadDir(filepath.Join(e.root, "containers"))
	if err != nil {
		return nil, fmt.Errorf("list containers: %w", err)
	}
	out := make([]*container, 0, len(entries))
	for _, ent := range entries {
		if !ent.IsDir() || len(ent.Name()) != 64 {
			continue
		}
		c, err := e.readContainer(ent.Name())
		if errors.Is(err, engine.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// lookup finds a container by ID, name or unique ID prefix, as docker does.
func (e *Engine) lookup(ref string) (*container, error) {
	ref = strings.TrimPrefix(ref, "/")
	if ref == "" {
		return nil, fmt.Errorf("no such container: empty name: %w", engine.ErrNotFound)
	}
	if len(ref) == 64 {
		if c, err := e.readContainer(ref); err == nil || !errors.Is(err, engine.ErrNotFound) {
			return c, err
		}
	}
	all, err := e.allContainers()
	if err != nil {
		return nil, err
	}
	for _, c := range all {
		if c.Name == ref {
			return c, nil
		}
	}
	var found *container
	for _, c := range all {
		if strings.HasPrefix(c.ID, ref) {
			if found != nil {
				return nil, fmt.Errorf("container %s: the prefix matches several containers: give more of the ID", ref)
			}
			found = c
		}
	}
	if found == nil {
		return nil, fmt.Errorf("no such container: %s: %w", ref, engine.ErrNotFound)
	}
	return found, nil
}

// macFor derives a locally administered MAC from an IPv4 address, as
// docker does, so that it is stable and unique within the network.
func macFor(a netip.Addr) string {
	b := a.As4()
	return net.HardwareAddr{0x02, 0x42, b[0], b[1], b[2], b[3]}.String()
}
