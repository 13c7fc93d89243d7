package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/itest"
)

// TestEvents: berth events streams the daemon's events about the project's
// containers as compose's JSON lines, and only those of the services named.
func TestEvents(t *testing.T) {
	t.Parallel()
	s := newStack(t, `
services:
  a:
    image: @IMAGE@
  b:
    image: @IMAGE@
`)
	ctx, cancel := context.WithTimeout(context.Background(), berthTimeout)
	defer cancel()
	var out, errOut lockedBuffer
	cmd := berthCommand(ctx, s.dir, "-p", s.project, "events", "--json", "a")
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	// Events before the daemon has the request are not streamed, so the
	// up waits a moment for it.
	time.Sleep(500 * time.Millisecond)
	s.mustBerth("up", "-d")
	id := s.ids()[s.name("a", 1)]
	itest.Eventually(t, 20*time.Second, "a start event of a", func() error {
		for _, line := range nonEmptyLines(out.String()) {
			var e struct {
				Action, ID, Service, Type, Time string
				Attributes                      map[string]string
			}
			if err := json.Unmarshal([]byte(line), &e); err != nil {
				return fmt.Errorf("line %q: %v", line, err)
			}
			if e.Service != "a" || e.Type != "container" {
				return fmt.Errorf("event %s: want only container events of a", line)
			}
			for k := range e.Attributes {
				if strings.HasPrefix(k, "com.docker.compose.") || strings.HasPrefix(k, "dev.berth.") {
					return fmt.Errorf("event %s: carries compose or berth label %s", line, k)
				}
			}
			if _, err := time.Parse(time.RFC3339Nano, e.Time); err != nil {
				return fmt.Errorf("event %s: time: %v", line, err)
			}
			if e.Action == "start" && e.ID == id && e.Attributes["name"] == s.name("a", 1) {
				return nil
			}
		}
		return fmt.Errorf("no start event of %s yet; output:\n%s\nstderr:\n%s", id, out.String(), errOut.String())
	})
}
