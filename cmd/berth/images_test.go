package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestImages: images lists each container's image, for the services named
// or all, as a table, JSON or bare IDs.
func TestImages(t *testing.T) {
	h := newHarness(t, shopCompose)
	h.mustRun(0, "up", "-d")

	stdout, _ := h.mustRun(0, "images", "--format", "json")
	var rows []struct{ ContainerName, Repository, Tag, ID, Platform string }
	if err := json.Unmarshal([]byte(stdout), &rows); err != nil {
		t.Fatalf("images --format json printed %q: %v", stdout, err)
	}
	var got []string
	for _, r := range rows {
		got = append(got, r.ContainerName+" "+r.Repository+":"+r.Tag)
		if !strings.HasPrefix(r.ID, "sha256:") {
			t.Errorf("images --format json: %s has ID %q, want the image's full ID", r.ContainerName, r.ID)
		}
	}
	if want := "shop-db-1 app:latest,shop-web-1 app:latest"; strings.Join(got, ",") != want {
		t.Errorf("images --format json got %v, want %s", got, want)
	}

	stdout, _ = h.mustRun(0, "images", "web")
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "CONTAINER") || !strings.HasPrefix(lines[1], "shop-web-1 ") {
		t.Errorf("images web printed\n%s\nwant the header and shop-web-1 only", stdout)
	}
	stdout, _ = h.mustRun(0, "images", "-q")
	if ids := strings.Fields(stdout); len(ids) != 1 || len(ids[0]) != 64 {
		t.Errorf("images -q printed %q, want the one shared image ID once", stdout)
	}
	if code, _, stderr := h.run("images", "--format", "yaml"); code == 0 || !strings.Contains(stderr, "use table or json") {
		t.Errorf("images --format yaml got exit %d, stderr %q; want an error naming the formats", code, stderr)
	}
}
