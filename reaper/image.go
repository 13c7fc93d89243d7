package reaper

import (
	"context"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/berth-dev/berth/engine"
)

// ImageRepo is the repository of reaper images; the tag is the digest of
// the executable inside.
const ImageRepo = "berth-reaper"

// LabelImage marks reaper images, with the executable's full digest.
const LabelImage = "dev.berth.reaper"

// dockerfile packs the executable alone: it needs no libc, shell or CA
// certificates, only the socket it is given.
const dockerfile = "FROM scratch\nCOPY berth /berth\nENTRYPOINT [\"/berth\"]\n"

// EnsureImage returns the reference of the reaper image for the executable
// at exe, building it from exe when the engine lacks it. Each berth build
// gets its own image, so a reaper always speaks its owner's version.
func EnsureImage(ctx context.Context, eng Engine, exe string) (string, error) {
	digest, err := checkExe(exe)
	if err != nil {
		return "", err
	}
	ref := ImageRepo + ":" + digest[:12]
	if _, err := eng.InspectImage(ctx, ref); err == nil {
		return ref, nil
	} else if !errors.Is(err, engine.ErrNotFound) {
		return "", err
	}
	dir, err := os.MkdirTemp("", "berth-reaper-")
	if err != nil {
		return "", fmt.Errorf("build the reaper image: %w", err)
	}
	defer os.RemoveAll(dir)
	if err := copyFile(exe, filepath.Join(dir, "berth")); err != nil {
		return "", fmt.Errorf("build the reaper image: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(dockerfile), 0o644); err != nil {
		return "", fmt.Errorf("build the reaper image: %w", err)
	}
	err = eng.BuildImage(ctx, engine.BuildSpec{Tag: ref, ContextDir: dir, Dockerfile: "Dockerfile",
		Labels: map[string]string{LabelImage: digest}}, io.Discard)
	if err != nil {
		return "", fmt.Errorf("build the reaper image %s from %s: %w", ref, exe, err)
	}
	return ref, nil
}

// checkExe makes sure exe can run alone in a scratch image, and returns
// its SHA-256.
func checkExe(exe string) (string, error) {
	f, err := elf.Open(exe)
	if err != nil {
		return "", fmt.Errorf("the reaper runs berth's own executable in a container, and %s is no Linux executable (%w): run a Linux build of berth", exe, err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return "", fmt.Errorf("the reaper runs berth's own executable in a FROM scratch container, and %s is dynamically linked: use a static build (CGO_ENABLED=0, as `make build` does)", exe)
		}
	}
	r, err := os.Open(exe)
	if err != nil {
		return "", err
	}
	defer r.Close()
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		return "", fmt.Errorf("digest %s: %w", exe, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
