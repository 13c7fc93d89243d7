//go:build !berthfront

package loader

import (
	"os"
	"path/filepath"

	"github.com/compose-spec/compose-go/v2/schema"
)

// This file, load.go and splice.go are what links compose-go's loader and
// its JSON schema validator into berth; front builds leave them out (see
// front.go).

// composeSchema is the JSON schema compose files are validated against.
func composeSchema() string { return schema.Schema }

// loaderExecutable is the executable whose code loads projects, for the
// cache key: this one, or for the native build the full build beside it,
// built from the same tree with the same loader. Keyed on its own file, the
// native build would store entries that neither the front nor the full
// build ever finds, and the front would hand every native command over.
func loaderExecutable() (string, error) {
	self, err := os.Executable()
	if err != nil || filepath.Base(self) != nativeName {
		return self, err
	}
	if full, ok := besideSelf(self, fullName); ok {
		return full, nil
	}
	return self, nil
}

// warmSchema compiles compose's JSON schema in the background. compose-go
// compiles it on first use, once per process, and on a cold load that
// compile is about a third of the work: done now, it overlaps reading,
// guarding and parsing the files on the other core instead of following
// them. compose-go's own Validate call then waits for it. Nothing calls this
// on a cache hit, which needs no schema.
func warmSchema() {
	go func() {
		// The empty document is valid; the result is of no interest,
		// only the compiled schema it leaves behind.
		_ = schema.Validate(map[string]any{})
	}()
}
