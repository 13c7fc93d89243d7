package main

import (
	"errors"
	"fmt"
	"testing"

	"github.com/berth-dev/berth/reconcile"
)

// TestStaleEndpointKnowsEveryTool: a down that failed only on dockerd's
// stranded network is counted, whichever tool printed it; berth's own
// message must stay recognisable across the process boundary, where only
// its text arrives.
func TestStaleEndpointKnowsEveryTool(t *testing.T) {
	berth := (&reconcile.StrandedNetworkError{Network: "p_back"}).Error()
	for _, tt := range []struct {
		name string
		err  error
		want bool
	}{
		{"berth", fmt.Errorf("berth -p p down: exit status 1\nberth: %s", berth), true},
		{"docker compose", errors.New("docker compose -p p down: exit status 1\nfailed to remove network p_back: Error response from daemon: error while removing network: network p_back id 0cb6 has active endpoints"), true},
		{"other failure", errors.New("berth -p p down: exit status 1\nberth: service \"web\": remove container p-web-1: boom"), false},
	} {
		if got := staleEndpoint(tt.err); got != tt.want {
			t.Errorf("staleEndpoint(%s) = %v, want %v", tt.name, got, tt.want)
		}
	}
}
