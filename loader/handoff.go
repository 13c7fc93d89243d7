package loader

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// ErrFullLoad is what a front build of berth (built with -tags berthfront,
// see front.go) returns for every load its cache cannot serve: the caller
// hands the whole command over to the full build at [FullExecutable].
// Full builds never return it.
var ErrFullLoad = errors.New("this berth serves only cached projects; the full build loads the others")

// fullName is the full build's file name, installed beside the front.
const fullName = "berth-full"

// FullExecutable is where a front build finds the full build: beside its
// own executable, symbolic links resolved.
func FullExecutable() (string, error) {
	self, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("find berth's own executable: %w", err)
	}
	return filepath.Join(filepath.Dir(self), fullName), nil
}
