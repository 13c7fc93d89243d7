package integration

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestWatchSyncs runs `berth watch`, which brings the stack up, and edits a
// file under a sync rule's path: it must arrive in the running container.
func TestWatchSyncs(t *testing.T) {
	t.Parallel()
	s := newStack(t, `
services:
  web:
    image: @IMAGE@
    develop:
      watch:
        - path: ./site
          action: sync
          target: /srv/site
`)
	if err := os.Mkdir(filepath.Join(s.dir, "site"), 0o755); err != nil {
		t.Fatal(err)
	}
	w := s.start("watch")
	web := s.name("web", 1)
	w.waitFor(60*time.Second, "watch enabled", func() error {
		if !strings.Contains(w.stderrNow(), "Watch enabled") {
			return fmt.Errorf("not yet")
		}
		return nil
	})
	s.wantRunning(web)
	if err := os.WriteFile(filepath.Join(s.dir, "site", "index.html"), []byte("hello from the host"), 0o644); err != nil {
		t.Fatal(err)
	}
	w.waitFor(30*time.Second, "index.html synced into "+web, func() error {
		out, err := s.exec(web, "cat", "/srv/site/index.html")
		if err != nil {
			return err
		}
		if out != "hello from the host" {
			return fmt.Errorf("cat got %q", out)
		}
		return nil
	})
	if !w.signal(syscall.SIGINT) {
		t.Fatalf("watch ended by itself:\n%v", w.wait(time.Second, ""))
	}
	r := w.wait(30*time.Second, " after SIGINT")
	if !strings.Contains(r.stderr, `Syncing service "web" after 1 changes were detected`) {
		t.Errorf("watch stderr lacks the sync message:\n%v", r)
	}
}
