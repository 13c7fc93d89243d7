package docker

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/berth-dev/berth/engine"
)

// TestPullImageStream: the daemon's JSON messages become layer events; an
// error message in the stream fails the pull, matching ErrNotFound when
// the registry lacks the image; credentials travel as X-Registry-Auth.
func TestPullImageStream(t *testing.T) {
	const ok = `{"status":"Pulling from app","id":"1"}
{"status":"Pulling fs layer","progressDetail":{},"id":"aaa"}
{"status":"Downloading","progressDetail":{"current":500,"total":2000},"id":"aaa"}
{"status":"Pull complete","progressDetail":{},"id":"aaa"}
{"status":"Digest: sha256:0123"}
{"status":"Status: Downloaded newer image for reg.example/app:1"}
`
	tests := []struct {
		name       string
		body       string
		status     int
		wantEvents []string
		wantErr    string
		notFound   bool
		platform   string
	}{
		{name: "pulled", body: ok, status: http.StatusOK, platform: "linux/arm64/v8",
			wantEvents: []string{"1 Pulling from app false", "aaa Pulling fs layer false", "aaa Downloading false 500/2000", "aaa Pull complete true",
				" Digest: sha256:0123 false", " Status: Downloaded newer image for reg.example/app:1 false"}},
		{name: "manifest unknown in stream", status: http.StatusOK,
			body:    `{"errorDetail":{"message":"manifest for reg.example/app:1 not found: manifest unknown: manifest unknown"},"error":"manifest for reg.example/app:1 not found: manifest unknown: manifest unknown"}` + "\n",
			wantErr: "pull reg.example/app:1: manifest for reg.example/app:1 not found: manifest unknown: manifest unknown", notFound: true},
		{name: "refused", status: http.StatusInternalServerError,
			body:    `{"message":"Get \"https://reg.example/v2/\": unauthorized: authentication required"}`,
			wantErr: "pull reg.example/app:1: Error response from daemon: Get \"https://reg.example/v2/\": unauthorized: authentication required"},
		{name: "not found answer", status: http.StatusNotFound,
			body:    `{"message":"pull access denied for reg.example/app, repository does not exist or may require 'docker login'"}`,
			wantErr: "pull access denied for reg.example/app", notFound: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var header, platform string
			s := &stub{api: func(_ int, req *http.Request) (*http.Response, error) {
				header = req.Header.Get("X-Registry-Auth")
				platform = req.URL.Query().Get("platform")
				return reply(req, tt.status, tt.body)
			}}
			e, _ := stubEngine(t, s, Options{})
			var events []string
			err := e.PullImage(context.Background(), "reg.example/app:1", engine.PullOptions{Platform: tt.platform, Progress: func(ev engine.PullEvent) {
				line := fmt.Sprintf("%s %s %v", ev.Layer, ev.Status, ev.Done)
				if ev.Total > 0 {
					line += fmt.Sprintf(" %d/%d", ev.Current, ev.Total)
				}
				events = append(events, line)
			}})
			if header == "" {
				t.Errorf("PullImage sent no X-Registry-Auth header")
			}
			if platform != tt.platform {
				t.Errorf("PullImage sent platform %q, want %q", platform, tt.platform)
			}
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("PullImage: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("PullImage got error %v, want %q", err, tt.wantErr)
			}
			if got := errors.Is(err, engine.ErrNotFound); got != tt.notFound {
				t.Errorf("PullImage error %v matches ErrNotFound: %v, want %v", err, got, tt.notFound)
			}
			if tt.wantErr == "" && !slices.Equal(events, tt.wantEvents) {
				t.Errorf("PullImage events got %q, want %q", events, tt.wantEvents)
			}
			if calls := s.apiCalls(); len(calls) != 1 || !strings.HasSuffix(calls[0], "/images/create") {
				t.Errorf("PullImage called %v, want one POST /images/create", calls)
			}
		})
	}
}
