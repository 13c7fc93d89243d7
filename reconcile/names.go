package reconcile

import (
	"slices"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
)

// containerName is the engine name of a service's container, as compose
// names it: container_name, or project-service-N.
func containerName(project string, s types.ServiceConfig, number int) string {
	if s.ContainerName != "" {
		return s.ContainerName
	}
	return project + "-" + s.Name + "-" + strconv.Itoa(number)
}

// imageName is the image a service runs: image, or the name compose gives a
// built image, project-service.
func imageName(project string, s types.ServiceConfig) string {
	if s.Image != "" {
		return s.Image
	}
	return project + "-" + s.Name
}

// networkName is the engine name of a project network. compose-go fills
// Name while loading; the fallback covers projects built by hand.
func networkName(p *types.Project, key string) string {
	if n, ok := p.Networks[key]; ok && n.Name != "" {
		return n.Name
	}
	if n, ok := p.Networks[key]; ok && bool(n.External) {
		return key
	}
	return p.Name + "_" + key
}

// volumeName is the engine name of a project volume, like networkName.
func volumeName(p *types.Project, key string) string {
	if v, ok := p.Volumes[key]; ok && v.Name != "" {
		return v.Name
	}
	if v, ok := p.Volumes[key]; ok && bool(v.External) {
		return key
	}
	return p.Name + "_" + key
}

// serviceFromMode returns X for a network_mode, pid or ipc of "service:X".
func serviceFromMode(mode string) string {
	name, ok := strings.CutPrefix(mode, types.ServicePrefix)
	if !ok {
		return ""
	}
	return name
}

// volumesFromService returns the service a volumes_from entry names, or ""
// when it names a container.
func volumesFromService(entry string) string {
	if strings.HasPrefix(entry, types.ContainerPrefix) {
		return ""
	}
	name, _, _ := strings.Cut(entry, ":")
	return name
}

// parents lists the services whose containers s shares a namespace or
// volumes with: when one of them is replaced, s must be replaced too,
// or it keeps pointing at a container that no longer exists.
func parents(s types.ServiceConfig) []string {
	var out []string
	for _, mode := range []string{s.NetworkMode, s.Pid, s.Ipc} {
		if name := serviceFromMode(mode); name != "" {
			out = append(out, name)
		}
	}
	for _, v := range s.VolumesFrom {
		if name := volumesFromService(v); name != "" {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// usesNetworks reports whether s joins project networks at all: a service
// in another container's namespace, or in host or none mode, does not.
func usesNetworks(s types.ServiceConfig) bool {
	if len(s.Networks) == 0 {
		return false
	}
	switch {
	case s.NetworkMode == "host", s.NetworkMode == "none",
		strings.HasPrefix(s.NetworkMode, types.ServicePrefix),
		strings.HasPrefix(s.NetworkMode, types.ContainerPrefix):
		return false
	}
	return true
}

// serviceNetworks lists the network keys s attaches to, in compose's order:
// priority descending, then name.
func serviceNetworks(s types.ServiceConfig) []string {
	if !usesNetworks(s) {
		return nil
	}
	return s.NetworksByPriority()
}

// serviceVolumes lists the project volume keys s mounts, sorted.
func serviceVolumes(p *types.Project, s types.ServiceConfig) []string {
	var out []string
	for _, v := range s.Volumes {
		if v.Type != types.VolumeTypeVolume || v.Source == "" {
			continue
		}
		if _, ok := p.Volumes[v.Source]; ok {
			out = append(out, v.Source)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// normalizeImage applies Docker's defaults to an image reference
// (docker.io/library/ prefix, :latest tag) so that references naming the
// same image compare equal. A digest reference keeps no tag: Docker lists
// "name@digest" whatever tag the reference also carried.
func normalizeImage(ref string) string {
	ref = strings.TrimPrefix(ref, "docker.io/")
	ref = strings.TrimPrefix(ref, "index.docker.io/")
	ref = strings.TrimPrefix(ref, "library/")
	if name, digest, ok := strings.Cut(ref, "@"); ok {
		if i := strings.LastIndex(name, ":"); i > strings.LastIndex(name, "/") {
			name = name[:i]
		}
		return name + "@" + digest
	}
	// A colon after the last slash is a tag; one before it is a registry port.
	if !strings.Contains(ref[strings.LastIndex(ref, "/")+1:], ":") {
		ref += ":latest"
	}
	return ref
}
