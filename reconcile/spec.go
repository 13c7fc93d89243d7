package reconcile

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/berth-dev/berth/engine"
)

// specInput is what building one container's spec needs beyond the plan.
type specInput struct {
	service types.ServiceConfig // desired, references unresolved
	name    string              // engine name to create it under
	number  int
	imageID string
	// inherit is the container whose anonymous volumes the new one takes
	// over; replaces names the container it replaces (compose's
	// com.docker.compose.replace label). Both are empty on a plain create.
	inherit, replaces string
	// files are the service's secrets and configs, resolved.
	files []fileMount
}

// containerSpec builds the spec of one container the way compose does:
// service references resolved to current container IDs, the hash computed
// on that resolved service, volume and network keys turned into engine names.
func containerSpec(env *planEnv, ids *idMap, in specInput) (engine.ContainerSpec, error) {
	p := env.project
	svc := in.service
	resolved, err := resolveRefs(svc, func(parent string) (string, bool) {
		names := env.replicas[parent]
		if len(names) == 0 {
			return "", false
		}
		return ids.get(names[0])
	})
	if err != nil {
		return engine.ContainerSpec{}, err
	}
	cfg, err := hashInput(resolved)
	if err != nil {
		return engine.ContainerSpec{}, err
	}
	rec, err := recordLabel(cfg)
	if err != nil {
		return engine.ContainerSpec{}, err
	}

	labels := map[string]string{}
	maps.Copy(labels, svc.Labels)
	maps.Copy(labels, svc.CustomLabels)
	labels[engine.LabelProject] = p.Name
	labels[engine.LabelService] = svc.Name
	labels[engine.LabelNumber] = strconv.Itoa(in.number)
	labels[engine.LabelOneoff] = "False"
	labels[engine.LabelConfigHash] = sha256Hex(cfg)
	labels[engine.LabelImage] = in.imageID
	labels[engine.LabelDependsOn] = dependsOnLabel(svc)
	labels[engine.LabelVersion] = engine.ComposeVersion
	labels[LabelConfig] = rec
	if _, ok := labels[engine.LabelWorkingDir]; !ok && p.WorkingDir != "" {
		labels[engine.LabelWorkingDir] = p.WorkingDir
	}
	if _, ok := labels[engine.LabelConfigFiles]; !ok && len(p.ComposeFiles) > 0 {
		labels[engine.LabelConfigFiles] = strings.Join(p.ComposeFiles, ",")
	}
	if in.replaces != "" {
		labels[engine.LabelReplace] = in.replaces
	}
	// After the hash, and never part of it: see UpOptions.Labels.
	maps.Copy(labels, env.labels)

	return engine.ContainerSpec{
		Name:               in.name,
		Service:            engineService(p, resolved, in.files),
		Labels:             labels,
		Networks:           attachments(env, resolved, in),
		InheritVolumesFrom: in.inherit,
	}, nil
}

// engineService names what the engine must find: the image under its
// default name when the service only builds, project volumes by their
// engine names, and secrets and configs as the read-only bind mounts that
// implement them. It runs after hashing, because compose hashes the service
// as written.
func engineService(p *types.Project, s types.ServiceConfig, files []fileMount) types.ServiceConfig {
	s.Image = imageName(p.Name, s)
	s.Volumes = slices.Clone(s.Volumes)
	for i, v := range s.Volumes {
		if v.Type != types.VolumeTypeVolume || v.Source == "" {
			continue
		}
		if _, ok := p.Volumes[v.Source]; ok {
			s.Volumes[i].Source = volumeName(p, v.Source)
		}
	}
	return withFileMounts(s, files)
}

// attachments lists the networks to attach, in compose's order (priority
// descending, then name), with compose's aliases: the container name, the
// service name, then the declared aliases.
func attachments(env *planEnv, s types.ServiceConfig, in specInput) []engine.NetworkAttachment {
	finalName := containerName(env.project.Name, s, in.number)
	links := containerLinks(env, s, in.number)
	var out []engine.NetworkAttachment
	for i, key := range serviceNetworks(s) {
		att := engine.NetworkAttachment{
			Network: networkName(env.project, key),
			Aliases: []string{finalName, s.Name},
			Links:   links,
		}
		if cfg := s.Networks[key]; cfg != nil {
			att.Aliases = append(att.Aliases, cfg.Aliases...)
			att.IPv4Address = cfg.Ipv4Address
			att.IPv6Address = cfg.Ipv6Address
			att.MacAddress = cfg.MacAddress
			att.LinkLocalIPs = slices.Clone(cfg.LinkLocalIPs)
			att.GwPriority = cfg.GatewayPriority
			if len(cfg.DriverOpts) > 0 || cfg.InterfaceName != "" {
				att.DriverOpts = map[string]string{}
				maps.Copy(att.DriverOpts, cfg.DriverOpts)
				if cfg.InterfaceName != "" {
					att.DriverOpts["com.docker.network.endpoint.ifname"] = cfg.InterfaceName
				}
			}
		}
		// Compose moves the service-level mac_address to the main network.
		if i == 0 && att.MacAddress == "" {
			att.MacAddress = s.MacAddress
		}
		out = append(out, att)
	}
	return out
}

// containerLinks mimics compose's legacy links: for each container of a
// linked service, its name under the link alias, under service-N and under
// project-service-N (N being this container's number, as compose does);
// external links as written.
func containerLinks(env *planEnv, s types.ServiceConfig, number int) []string {
	var out []string
	for _, l := range s.Links {
		svc, alias, ok := strings.Cut(l, ":")
		if !ok {
			alias = svc
		}
		n := strconv.Itoa(number)
		for _, c := range env.replicas[svc] {
			out = append(out,
				c+":"+alias,
				c+":"+svc+"-"+n,
				c+":"+env.project.Name+"-"+svc+"-"+n)
		}
	}
	for _, l := range s.ExternalLinks {
		ext, alias, ok := strings.Cut(l, ":")
		if !ok {
			alias = ext
		}
		out = append(out, ext+":"+alias)
	}
	return out
}

// replaceLabel is compose's value for com.docker.compose.replace:
// container_name, or service-N.
func replaceLabel(s types.ServiceConfig, number int) string {
	if s.ContainerName != "" {
		return s.ContainerName
	}
	return fmt.Sprintf("%s-%d", s.Name, number)
}
