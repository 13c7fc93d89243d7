package monitorproc

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
)

// Record is the part of a container's record (container.json, which the
// engine writes) that a monitor reads, for its own container and, for
// DNS, for every container. Its fields carry the engine's JSON names; a
// test in engine/native checks that a record the engine writes fills every
// one of them. Decoding the whole record would also have encoding/json
// cache its view of compose-go's service type, about 150 kB that the
// monitor would hold for the container's whole life.
type Record struct {
	ID, Name string
	Labels   map[string]string
	Service  struct {
		Hostname string   `json:"hostname"`
		DNS      []string `json:"dns"`
	}
	NetworkMode string
	Networks    []Attachment
	Ports       []Port
	AutoRemove  bool
	Watched     bool
}

// Attachment is the container's endpoint on one network.
type Attachment struct {
	Network   string // name
	NetworkID string
	Aliases   []string
	Addr      netip.Prefix // address and the network's prefix length
}

// Port is a port the container publishes on the host.
type Port struct {
	HostIP        string // "": every address
	HostPort      uint16
	ContainerPort uint16
	Protocol      string // tcp, udp
}

// ReadRecord reads the record in the container directory dir.
func ReadRecord(dir string) (*Record, error) {
	b, err := os.ReadFile(filepath.Join(dir, recordFile))
	if err != nil {
		return nil, fmt.Errorf("read the record of container %s: %w", shortID(filepath.Base(dir)), err)
	}
	var r Record
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("read the record of container %s: %w", shortID(filepath.Base(dir)), err)
	}
	return &r, nil
}

// recordFile is the engine's record in a container directory.
const recordFile = "container.json"

// serviceLabel is engine.LabelService, the compose service a container
// belongs to: its name resolves to every running replica.
const serviceLabel = "com.docker.compose.service"

// shortID is the first 12 digits of an ID, for messages.
func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
