// Package berthbuild builds berth as `make build` does, for the tests and
// the bench that run the real executables: the front, berth, and beside it
// the full build it hands uncached loads to (see loader/front.go) and the
// native build the full build hands the native engine's commands to (see
// cmd/berth/native_absent.go), and the native engine's container monitor,
// berth-monitor.
package berthbuild

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// Tag selects the front build of cmd/berth, NoNativeTag the full build.
const (
	Tag         = "berthfront"
	NoNativeTag = "berthnonative"
)

// Build builds the four executables from the module at moduleDir into
// outDir and returns the path of the front, the one to run.
func Build(ctx context.Context, moduleDir, outDir string) (string, error) {
	front := filepath.Join(outDir, "berth")
	builds := [][]string{
		{"build", "-tags", Tag, "-o", front, "./cmd/berth"},
		{"build", "-tags", NoNativeTag, "-o", filepath.Join(outDir, "berth-full"), "./cmd/berth"},
		{"build", "-o", filepath.Join(outDir, "berth-native"), "./cmd/berth"},
		{"build", "-o", filepath.Join(outDir, "berth-monitor"), "./cmd/berth-monitor"},
	}
	for _, args := range builds {
		cmd := exec.CommandContext(ctx, "go", args...)
		cmd.Dir = moduleDir
		// Static, as `make build` makes them.
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			return "", fmt.Errorf("go %v: %w\n%s", args, err, out)
		}
	}
	return front, nil
}
