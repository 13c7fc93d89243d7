package ocispec

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Mounts turns the service's volumes and tmpfs entries into mounts, in
// the order the file declares them (Build orders them parent first).
// volume resolves a named volume to its host directory; anon creates an
// anonymous volume for a target and returns its directory. A bind whose
// source is missing is created when create_host_path allows it (the short
// syntax always does), as docker does.
func Mounts(svc types.ServiceConfig, volume func(name string) (string, error), anon func(target string) (string, error)) ([]specs.Mount, error) {
	// compose-go has checked that targets are absolute and unique.
	var out []specs.Mount
	for _, v := range svc.Volumes {
		m, err := volumeMount(v, volume, anon)
		if err != nil {
			return nil, fmt.Errorf("service %q: volumes: %s: %w", svc.Name, v.Target, err)
		}
		out = append(out, m)
	}
	for _, t := range svc.Tmpfs {
		target, opts, _ := strings.Cut(t, ":")
		var extra []string
		if opts != "" {
			extra = strings.Split(opts, ",")
		}
		out = append(out, tmpfsMount(target, extra))
	}
	return out, nil
}

func volumeMount(v types.ServiceVolumeConfig, volume func(string) (string, error), anon func(string) (string, error)) (specs.Mount, error) {
	switch v.Type {
	case types.VolumeTypeVolume:
		if v.Volume != nil && v.Volume.Subpath != "" {
			// Resolving a path inside a volume the container can write
			// to must be proof against symlinks swapped in by the
			// container; runc would follow them out of the volume.
			return specs.Mount{}, &UnsupportedError{Key: "volume.subpath", Reason: "mounting part of a volume is not supported"}
		}
		var src string
		var err error
		if v.Source == "" {
			src, err = anon(v.Target)
		} else {
			src, err = volume(v.Source)
		}
		if err != nil {
			return specs.Mount{}, err
		}
		// volume.nocopy is the engine's business: it decides whether a
		// new volume is filled from the image.
		return bindMount(src, v.Target, v.ReadOnly, "rbind", "rprivate"), nil
	case types.VolumeTypeBind:
		if err := ensureBindSource(v); err != nil {
			return specs.Mount{}, err
		}
		mode, prop := "rbind", "rprivate"
		if b := v.Bind; b != nil {
			if b.Propagation != "" {
				prop = b.Propagation
			}
			if b.Recursive == "disabled" {
				mode = "bind"
			}
			// bind.selinux is ignored: the native engine applies no
			// SELinux labels, as docker on a host without SELinux.
		}
		m := bindMount(v.Source, v.Target, v.ReadOnly, mode, prop)
		if v.ReadOnly && v.Bind != nil && v.Bind.Recursive == "readonly" {
			m.Options[slices.Index(m.Options, "ro")] = "rro"
		}
		return m, nil
	case types.VolumeTypeTmpfs:
		var opts []string
		if t := v.Tmpfs; t != nil {
			if t.Size > 0 {
				opts = append(opts, "size="+strconv.FormatInt(int64(t.Size), 10))
			}
			if t.Mode != 0 {
				opts = append(opts, "mode="+strconv.FormatUint(uint64(t.Mode), 8))
			}
		}
		if v.ReadOnly {
			opts = append(opts, "ro")
		}
		return tmpfsMount(v.Target, opts), nil
	}
	return specs.Mount{}, &UnsupportedError{Key: "volumes", Reason: fmt.Sprintf("type %q mounts are not supported", v.Type)}
}

// ensureBindSource checks the host side of a bind, creating a missing
// directory when create_host_path allows it (the default) as docker's
// Binds form does.
func ensureBindSource(v types.ServiceVolumeConfig) error {
	if !filepath.IsAbs(v.Source) {
		return fmt.Errorf("bind source %q is not an absolute path", v.Source)
	}
	_, err := os.Stat(v.Source)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if v.Bind != nil && !bool(v.Bind.CreateHostPath) {
		return fmt.Errorf("bind source path %s does not exist; create it or set bind.create_host_path: true", v.Source)
	}
	if err := os.MkdirAll(v.Source, 0o755); err != nil {
		return fmt.Errorf("creating the missing bind source: %w", err)
	}
	return nil
}

func bindMount(src, target string, readOnly bool, mode, propagation string) specs.Mount {
	opts := []string{mode, propagation}
	if readOnly {
		opts = append(opts, "ro")
	}
	return specs.Mount{Destination: target, Type: "bind", Source: src, Options: opts}
}

// tmpfsMount is a tmpfs with docker's defaults (noexec, nosuid, nodev)
// under the given options, which win where they conflict.
func tmpfsMount(target string, opts []string) specs.Mount {
	all := append([]string{"noexec", "nosuid", "nodev", "rprivate"}, opts...)
	return specs.Mount{Destination: target, Type: "tmpfs", Source: "tmpfs", Options: mergeTmpfsOptions(all)}
}

// mergeTmpfsOptions keeps the last of each option and of each pair of
// opposites (exec/noexec, size=…/size=…), in the order they last appear.
func mergeTmpfsOptions(opts []string) []string {
	opposite := map[string]string{
		"noexec": "exec", "nosuid": "suid", "nodev": "dev", "ro": "rw",
		"async": "sync", "noatime": "atime", "relatime": "atime", "strictatime": "atime",
		"nodiratime": "diratime", "notmpcopyup": "tmpcopyup",
	}
	group := func(o string) string {
		if k, _, ok := strings.Cut(o, "="); ok {
			return k + "="
		}
		if g, ok := opposite[o]; ok {
			return g
		}
		return o
	}
	var out []string
	seen := map[string]bool{}
	for i := len(opts) - 1; i >= 0; i-- {
		o := strings.TrimSpace(opts[i])
		if o == "" || seen[group(o)] {
			continue
		}
		seen[group(o)] = true
		out = append(out, o)
	}
	slices.Reverse(out)
	return out
}

// ImageVolumes lists, sorted, the image's VOLUME paths that no mount
// covers: docker gives each an anonymous volume, and so must the engine.
func ImageVolumes(img v1.Config, mounts []specs.Mount) []string {
	var out []string
	for p := range img.Volumes {
		p = path.Clean(p)
		if !slices.ContainsFunc(mounts, func(m specs.Mount) bool { return path.Clean(m.Destination) == p }) {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return slices.Compact(out)
}
