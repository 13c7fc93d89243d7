package reconcile

import (
	"encoding/json"
	"fmt"

	"github.com/compose-spec/compose-go/v2/types"
)

// ServiceHash is the value of the com.docker.compose.config-hash label:
// SHA-256 of the service's JSON encoding once the fields that must not force
// a recreate are cleared (see hashInput). It matches docker compose byte for
// byte only while berth builds with the same compose-go as compose (v2.14.0
// for compose v5.5): the hash covers the struct's field order, which later
// compose-go versions changed.
//
// The caller's service is left untouched: Deploy is copied before editing.
func ServiceHash(s types.ServiceConfig) (string, error) {
	b, err := hashInput(s)
	if err != nil {
		return "", err
	}
	return sha256Hex(b), nil
}

// NetworkHash is the com.docker.compose.config-hash of a network, as
// compose v5 computes it: SHA-256 of the network's JSON as loaded (labels
// compose adds itself are not part of the JSON). Like ServiceHash, it
// matches compose only with the same compose-go version.
func NetworkHash(n types.NetworkConfig) (string, error) {
	b, err := json.Marshal(n)
	if err != nil {
		return "", fmt.Errorf("encode network %s: %w", n.Name, err)
	}
	return sha256Hex(b), nil
}

// VolumeHash is a volume's com.docker.compose.config-hash, as compose v5
// computes it: like NetworkHash, with an empty driver counted as "local".
func VolumeHash(v types.VolumeConfig) (string, error) {
	if v.Driver == "" {
		v.Driver = "local"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("encode volume %s: %w", v.Name, err)
	}
	return sha256Hex(b), nil
}
