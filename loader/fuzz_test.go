package loader

import (
	"bytes"
	"context"
	"errors"
	"testing"
)

// FuzzLoad feeds arbitrary bytes as the compose file. Load must return a
// project or an error, never panic, and never hit ErrInternal (a panic in
// compose-go that Load recovered). Inputs are capped at 64 KiB so that each
// run stays short; the seed corpus in testdata/fuzz/FuzzLoad runs as a
// normal test.
func FuzzLoad(f *testing.F) {
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 64<<10 {
			t.Skip("input larger than 64 KiB")
		}
		p, err := Load(context.Background(), Options{
			WorkingDir:  dir,
			ConfigFiles: []string{"-"},
			Stdin:       bytes.NewReader(data),
			Environ:     map[string]string{},
		})
		if errors.Is(err, ErrInternal) {
			t.Fatalf("Load(%q) got %v, want a user error or a project", data, err)
		}
		if err == nil && p == nil {
			t.Fatalf("Load(%q) got neither project nor error", data)
		}
		if err != nil && err.Error() == "" {
			t.Fatalf("Load(%q) got an empty error message", data)
		}
	})
}
