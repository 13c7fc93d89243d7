package reconcile

import (
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
