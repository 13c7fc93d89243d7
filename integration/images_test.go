package integration

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestImages: berth images describes the image of each of the project's
// containers from the daemon, in the shape compose prints.
func TestImages(t *testing.T) {
	t.Parallel()
	s := newStack(t, `
services:
  a:
    image: @IMAGE@
  b:
    image: @IMAGE@
`)
	s.mustBerth("up", "-d")
	id := mustDocker(t, "image", "inspect", "-f", "{{.Id}}", s.image)
	size := mustDocker(t, "image", "inspect", "-f", "{{.Size}}", s.image)

	r := s.mustBerth("images", "--format", "json")
	var rows []struct {
		ID, ContainerName, Repository, Tag, Platform string
		Size                                         json.Number
	}
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil {
		t.Fatalf("images --format json: %v\n%v", err, r)
	}
	if len(rows) != 2 {
		t.Fatalf("images --format json got %d rows, want 2\n%v", len(rows), r)
	}
	repo, tag, _ := strings.Cut(s.image, ":")
	for i, svc := range []string{"a", "b"} {
		row := rows[i]
		if row.ContainerName != s.name(svc, 1) || row.ID != id || row.Repository != repo || row.Tag != tag ||
			row.Size.String() != size || !strings.HasPrefix(row.Platform, "linux/") {
			t.Errorf("images row %d got %+v, want %s with %s:%s, ID %s, size %s and a linux platform", i, row, s.name(svc, 1), repo, tag, id, size)
		}
	}

	r = s.mustBerth("images", "b")
	lines := nonEmptyLines(r.stdout)
	if len(lines) != 2 || strings.Join(strings.Fields(lines[0]), " ") != "CONTAINER REPOSITORY TAG PLATFORM IMAGE ID SIZE CREATED" ||
		!strings.HasPrefix(lines[1], s.name("b", 1)) || !strings.Contains(lines[1], strings.TrimPrefix(id, "sha256:")[:12]) {
		t.Errorf("images b printed\n%s\nwant the header and b's container with its short image ID", r.stdout)
	}
	if r := s.mustBerth("images", "-q"); strings.TrimSpace(r.stdout) != strings.TrimPrefix(id, "sha256:") {
		t.Errorf("images -q printed %q, want %s once", r.stdout, strings.TrimPrefix(id, "sha256:"))
	}
}
