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

// fullName is the full build's file name, installed beside the front,
// whose name is frontName. nativeName is the plain build, which also links
// the native engine that the full build leaves out: commands on that
// engine run there (see cmd/berth/native_absent.go).
const (
	fullName   = "berth-full"
	frontName  = "berth"
	nativeName = "berth-native"
)

// FullExecutable is where a front build finds the full build: beside its
// own executable, symbolic links resolved.
func FullExecutable() (string, error) {
	self, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("find berth's own executable: %w", err)
	}
	return filepath.Join(filepath.Dir(self), fullName), nil
}

// NativeExecutable is where the full build, which has no native engine,
// finds the one that has: beside its own executable.
func NativeExecutable() (string, error) {
	self, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("find berth's own executable: %w", err)
	}
	return filepath.Join(filepath.Dir(self), nativeName), nil
}

// besideSelf returns the executable name beside self, when there is one.
func besideSelf(self, name string) (string, bool) {
	path := filepath.Join(filepath.Dir(self), name)
	fi, err := os.Stat(path)
	return path, err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}

// FrontExecutable is the smallest build for a process that loads no
// project: the front build beside this full or native build when there is
// one, else this executable. The native engine runs it to remove
// auto-remove containers, and as its containers' monitors when the lean
// berth-monitor is not installed: a monitor keeps the package-level data
// of the executable it runs (a full build's JSON schema compiler alone
// holds 1.7 MB) for as long as its container lives.
func FrontExecutable() (string, error) {
	self, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("find berth's own executable: %w", err)
	}
	if base := filepath.Base(self); base != fullName && base != nativeName {
		return self, nil
	}
	if front, ok := besideSelf(self, frontName); ok {
		return front, nil
	}
	return self, nil
}
