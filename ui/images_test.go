package ui

import (
	"bytes"
	"testing"
	"time"

	"github.com/berth-dev/berth/inspect"
)

func imageRows() []inspect.ContainerImage {
	created := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	return []inspect.ContainerImage{
		{Container: "shop-db-1", Repository: "postgres", Tag: "16", Platform: "linux/amd64",
			ID: "sha256:4f0a6b1e2d3c4b5a69788796a5b4c3d2e1f00112233445566778899aabbccdd", Size: 431_000_000, Created: &created},
		{Container: "shop-web-1", Repository: "shop-web", Tag: "latest", Platform: "linux/arm64/v8",
			ID: "sha256:9e8d7c6b5a4938271605f4e3d2c1b0a99887766554433221100ffeeddccbbaa", Size: 12_345, Created: &created},
		{Container: "shop-web-2", Repository: "shop-web", Tag: "latest", Platform: "linux/arm64/v8",
			ID: "sha256:9e8d7c6b5a4938271605f4e3d2c1b0a99887766554433221100ffeeddccbbaa", Size: 12_345, Created: &created},
		// The image is gone: only what the container knows.
		{Container: "shop-worker-1", ID: "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"},
	}
}

func TestImagesOutput(t *testing.T) {
	now := time.Date(2026, 1, 3, 0, 0, 0, 0, time.UTC)
	var table, js, ids bytes.Buffer
	if err := WriteImagesTable(&table, imageRows(), now); err != nil {
		t.Fatal(err)
	}
	golden(t, "images_table.golden", table.String())
	if err := WriteImagesJSON(&js, imageRows()); err != nil {
		t.Fatal(err)
	}
	golden(t, "images_json.golden", js.String())
	if err := WriteImageIDs(&ids, imageRows()); err != nil {
		t.Fatal(err)
	}
	golden(t, "images_quiet.golden", ids.String())
}
