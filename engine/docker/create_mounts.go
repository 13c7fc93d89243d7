package docker

import (
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/moby/moby/api/types/mount"
	"github.com/moby/moby/client/pkg/versions"
)

// volumeMounts splits the service's volumes (and the anonymous volumes
// inherited from prev) into legacy Binds strings and Mount API entries the
// way compose's buildContainerVolumes does: a bind or a named volume uses the
// Binds form unless it needs an option only the Mount API has, because only
// Binds creates a missing host directory (moby/moby#43483) and older
// engines treat the two forms slightly differently. Both lists are sorted by
// target; compose builds them from a map.
func volumeMounts(s types.ServiceConfig, apiVersion string, prev *previous) ([]string, []mount.Mount, error) {
	byTarget := map[string]mount.Mount{}
	volumes := s.Volumes
	if prev != nil {
		volumes = inherit(byTarget, volumes, prev)
	}
	for _, v := range volumes {
		byTarget[v.Target] = toMount(v)
	}

	targets := make([]string, 0, len(byTarget))
	for t := range byTarget {
		targets = append(targets, t)
	}
	sort.Strings(targets)

	var binds []string
	var mounts []mount.Mount
	for _, t := range targets {
		m := byTarget[t]
		v := volumeAt(s.Volumes, t)
		switch m.Type {
		case mount.TypeBind:
			if v != nil && !bindNeedsMountAPI(v.Bind) {
				binds = append(binds, bindString(m.Source, *v))
				continue
			}
		case mount.TypeVolume:
			// Only a named volume declared for this target; an inherited
			// anonymous volume keeps the Mount form.
			if v != nil && v.Source != "" && v.Source == m.Source && !volumeNeedsMountAPI(v.Volume) {
				binds = append(binds, bindString(m.Source, *v))
				continue
			}
		case mount.TypeImage:
			if versions.LessThan(apiVersion, "1.48") {
				return nil, nil, fmt.Errorf("volumes: %s: type image needs Docker Engine 28 (API 1.48) or later; this engine speaks API %s", t, apiVersion)
			}
		}
		mounts = append(mounts, m)
	}
	return binds, mounts, nil
}

// inherit adds to byTarget the anonymous volumes of the container being
// replaced, so that recreating a container keeps its data (compose's
// buildContainerMountOptions): every non-tmpfs mount at a path the image
// declares as a VOLUME, and every mount at the target of an anonymous
// volume of the service. The latter are dropped from the returned list so
// that they are not created afresh.
func inherit(byTarget map[string]mount.Mount, volumes []types.ServiceVolumeConfig, prev *previous) []types.ServiceVolumeConfig {
	for _, m := range prev.Mounts {
		if m.Type == mount.TypeTmpfs {
			continue
		}
		src := m.Source
		if m.Type == mount.TypeVolume {
			src = m.Name
		}
		kept := mount.Mount{Type: m.Type, Source: src, Target: m.Destination, ReadOnly: !m.RW}
		if slices.Contains(prev.ImageVolumes, m.Destination) {
			byTarget[m.Destination] = kept
		}
		var rest []types.ServiceVolumeConfig
		for _, v := range volumes {
			if v.Target != m.Destination || v.Source != "" {
				rest = append(rest, v)
				continue
			}
			byTarget[m.Destination] = kept
		}
		volumes = rest
	}
	return volumes
}

func volumeAt(volumes []types.ServiceVolumeConfig, target string) *types.ServiceVolumeConfig {
	for i := range volumes {
		if volumes[i].Target == target {
			return &volumes[i]
		}
	}
	return nil
}

// toMount is compose's buildMount. Volume sources already name the engine
// volume (see engine.ContainerSpec) and bind sources are absolute (the
// loader resolves them).
func toMount(v types.ServiceVolumeConfig) mount.Mount {
	m := mount.Mount{
		Type:        mount.Type(v.Type),
		Source:      v.Source,
		Target:      v.Target,
		ReadOnly:    v.ReadOnly,
		Consistency: mount.Consistency(v.Consistency),
	}
	switch v.Type {
	case types.VolumeTypeBind:
		if b := v.Bind; b != nil {
			m.BindOptions = &mount.BindOptions{
				Propagation:      mount.Propagation(b.Propagation),
				CreateMountpoint: bool(b.CreateHostPath),
			}
			switch b.Recursive {
			case "disabled":
				m.BindOptions.NonRecursive = true
			case "writable":
				m.BindOptions.ReadOnlyNonRecursive = true
			case "readonly":
				m.BindOptions.ReadOnlyForceRecursive = true
			}
		}
	case types.VolumeTypeVolume:
		if vo := v.Volume; vo != nil {
			m.VolumeOptions = &mount.VolumeOptions{NoCopy: vo.NoCopy, Subpath: vo.Subpath, Labels: vo.Labels}
		}
	case types.VolumeTypeTmpfs:
		if t := v.Tmpfs; t != nil {
			m.TmpfsOptions = &mount.TmpfsOptions{SizeBytes: int64(t.Size), Mode: os.FileMode(t.Mode)}
		}
	case types.VolumeTypeImage:
		if i := v.Image; i != nil {
			m.ImageOptions = &mount.ImageOptions{Subpath: i.SubPath}
		}
	}
	return m
}

// bindNeedsMountAPI: the Binds form cannot express "fail if the host path is
// missing", propagation or recursion options.
func bindNeedsMountAPI(b *types.ServiceVolumeBind) bool {
	return b != nil && (!bool(b.CreateHostPath) || b.Propagation != "" || b.Recursive != "")
}

// volumeNeedsMountAPI: the Binds form cannot express labels or a subpath, and
// compose sends nocopy through the Mount API too.
func volumeNeedsMountAPI(v *types.ServiceVolumeVolume) bool {
	return v != nil && (len(v.Labels) > 0 || v.Subpath != "" || v.NoCopy)
}

// bindString is the Binds form, source:target:options.
func bindString(source string, v types.ServiceVolumeConfig) string {
	opts := []string{"rw"}
	if v.ReadOnly {
		opts[0] = "ro"
	}
	if v.Bind != nil && v.Bind.SELinux != "" {
		opts = append(opts, v.Bind.SELinux)
	}
	if v.Bind != nil && v.Bind.Propagation != "" {
		opts = append(opts, v.Bind.Propagation)
	}
	if v.Volume != nil && v.Volume.NoCopy {
		opts = append(opts, "nocopy")
	}
	return fmt.Sprintf("%s:%s:%s", source, v.Target, strings.Join(opts, ","))
}
