package stack

import (
	"fmt"
	"maps"
	"math"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"
	"github.com/moby/moby/api/types/network"
	swarmtypes "github.com/moby/moby/api/types/swarm"

	"github.com/berth-dev/berth/engine/swarm"
	"github.com/berth-dev/berth/internal/composeconv"
)

// defaultAliasless are the network modes that take no aliases; every
// other network gets the service's name as an alias, as `docker stack
// deploy` adds it.
var defaultAliasless = []string{"bridge", "host", "none", "default"}

// serviceSpec converts one compose service into the swarm spec berth wants
// it to have. refs names the secret and config objects the service's
// references resolve to. The conversion follows `docker stack deploy`
// field by field, so that a stack deployed by it from the same file
// compares equal (see diff.go).
func serviceSpec(p *types.Project, s types.ServiceConfig, refs objectNames) (swarmtypes.ServiceSpec, error) {
	fail := func(format string, args ...any) (swarmtypes.ServiceSpec, error) {
		return swarmtypes.ServiceSpec{}, fmt.Errorf("service %s: "+format, append([]any{s.Name}, args...)...)
	}
	if s.Image == "" {
		return fail("no image: swarm nodes cannot build; build and push the image, then set image:")
	}
	deploy := s.Deploy
	if deploy == nil {
		deploy = &types.DeployConfig{}
	}
	mode, err := serviceMode(s, deploy)
	if err != nil {
		return fail("%v", err)
	}
	restart, err := restartPolicy(s.Restart, deploy.RestartPolicy)
	if err != nil {
		return fail("%v", err)
	}
	endpoint, err := endpointSpec(deploy.EndpointMode, s.Ports)
	if err != nil {
		return fail("%v", err)
	}
	mounts, err := serviceMounts(p, s)
	if err != nil {
		return fail("%v", err)
	}
	secrets, err := secretRefs(s, refs)
	if err != nil {
		return fail("%v", err)
	}
	configs, err := configRefs(s, refs)
	if err != nil {
		return fail("%v", err)
	}
	networks, err := serviceNetworks(p, s)
	if err != nil {
		return fail("%v", err)
	}

	labels := withNamespace(p.Name, deploy.Labels)
	labels[swarm.LabelImage] = s.Image
	spec := swarmtypes.ServiceSpec{
		Annotations: swarmtypes.Annotations{Name: scope(p.Name, s.Name), Labels: labels},
		TaskTemplate: swarmtypes.TaskSpec{
			ContainerSpec: &swarmtypes.ContainerSpec{
				Image:           s.Image,
				Command:         s.Entrypoint,
				Args:            s.Command,
				Hostname:        s.Hostname,
				Hosts:           extraHosts(s.ExtraHosts),
				DNSConfig:       dnsConfig(s),
				Healthcheck:     healthcheck(s.HealthCheck),
				Env:             composeconv.Environment(s.Environment),
				Labels:          withNamespace(p.Name, s.Labels),
				Dir:             s.WorkingDir,
				User:            s.User,
				Mounts:          mounts,
				StopGracePeriod: (*time.Duration)(s.StopGracePeriod),
				StopSignal:      s.StopSignal,
				TTY:             s.Tty,
				OpenStdin:       s.StdinOpen,
				Secrets:         secrets,
				Configs:         configs,
				ReadOnly:        s.ReadOnly,
				Init:            s.Init,
				Isolation:       container.Isolation(s.Isolation),
				Sysctls:         s.Sysctls,
				CapabilityAdd:   s.CapAdd,
				CapabilityDrop:  s.CapDrop,
				Ulimits:         composeconv.Ulimits(s.Ulimits),
				OomScoreAdj:     s.OomScoreAdj,
			},
			Resources:     resources(deploy.Resources),
			RestartPolicy: restart,
			Placement: &swarmtypes.Placement{
				Constraints: deploy.Placement.Constraints,
				Preferences: placementPreferences(deploy.Placement.Preferences),
				MaxReplicas: deploy.Placement.MaxReplicas,
			},
			Networks: networks,
		},
		Mode:           mode,
		EndpointSpec:   endpoint,
		UpdateConfig:   updateConfig(deploy.UpdateConfig),
		RollbackConfig: updateConfig(deploy.RollbackConfig),
	}
	if s.Logging != nil {
		spec.TaskTemplate.LogDriver = &swarmtypes.Driver{Name: s.Logging.Driver, Options: s.Logging.Options}
	}
	return spec, nil
}

// scope is a stack object's name: "<project>_<name>".
func scope(project, name string) string { return project + "_" + name }

func withNamespace(project string, labels map[string]string) map[string]string {
	out := maps.Clone(labels)
	if out == nil {
		out = map[string]string{}
	}
	out[swarm.LabelNamespace] = project
	return out
}

// serviceMode reads deploy.mode and the replica count, which `scale:`
// overrides as it does for berth up.
func serviceMode(s types.ServiceConfig, deploy *types.DeployConfig) (swarmtypes.ServiceMode, error) {
	var replicas *uint64
	switch {
	case s.Scale != nil:
		n := uint64(max(*s.Scale, 0))
		replicas = &n
	case deploy.Replicas != nil:
		n := uint64(max(*deploy.Replicas, 0))
		replicas = &n
	}
	switch deploy.Mode {
	case "", "replicated":
		return swarmtypes.ServiceMode{Replicated: &swarmtypes.ReplicatedService{Replicas: replicas}}, nil
	case "global":
		if replicas != nil {
			return swarmtypes.ServiceMode{}, fmt.Errorf("deploy.replicas: only replicated and replicated-job services have replicas, not mode %s", deploy.Mode)
		}
		return swarmtypes.ServiceMode{Global: &swarmtypes.GlobalService{}}, nil
	case "replicated-job":
		return swarmtypes.ServiceMode{ReplicatedJob: &swarmtypes.ReplicatedJob{MaxConcurrent: replicas, TotalCompletions: replicas}}, nil
	case "global-job":
		if replicas != nil {
			return swarmtypes.ServiceMode{}, fmt.Errorf("deploy.replicas: only replicated and replicated-job services have replicas, not mode %s", deploy.Mode)
		}
		return swarmtypes.ServiceMode{GlobalJob: &swarmtypes.GlobalJob{}}, nil
	}
	return swarmtypes.ServiceMode{}, fmt.Errorf("deploy.mode %q: use replicated, global, replicated-job or global-job", deploy.Mode)
}

// restartPolicy prefers deploy.restart_policy and falls back on restart:,
// as `docker stack deploy` does.
func restartPolicy(restart string, policy *types.RestartPolicy) (*swarmtypes.RestartPolicy, error) {
	if policy != nil {
		return &swarmtypes.RestartPolicy{
			Condition:   swarmtypes.RestartPolicyCondition(policy.Condition),
			Delay:       (*time.Duration)(policy.Delay),
			MaxAttempts: policy.MaxAttempts,
			Window:      (*time.Duration)(policy.Window),
		}, nil
	}
	name, count, _ := strings.Cut(restart, ":")
	var attempts *uint64
	if count != "" {
		n, err := strconv.ParseUint(count, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("restart %q: the retry count must be a number >= 0", restart)
		}
		if n > 0 {
			attempts = &n
		}
	}
	switch name {
	case "", "no":
		return nil, nil
	case "always", "unless-stopped":
		return &swarmtypes.RestartPolicy{Condition: swarmtypes.RestartPolicyConditionAny, MaxAttempts: attempts}, nil
	case "on-failure":
		return &swarmtypes.RestartPolicy{Condition: swarmtypes.RestartPolicyConditionOnFailure, MaxAttempts: attempts}, nil
	}
	return nil, fmt.Errorf("restart %q: use no, always, on-failure or unless-stopped", restart)
}

func endpointSpec(mode string, ports []types.ServicePortConfig) (*swarmtypes.EndpointSpec, error) {
	out := make([]swarmtypes.PortConfig, 0, len(ports))
	for _, p := range ports {
		var published uint64
		if p.Published != "" {
			var err error
			if published, err = strconv.ParseUint(p.Published, 10, 16); err != nil {
				return nil, fmt.Errorf("ports: published %q: a swarm publishes one port per entry, not a range", p.Published)
			}
		}
		out = append(out, swarmtypes.PortConfig{
			Name:          p.Name,
			Protocol:      network.IPProtocol(p.Protocol),
			TargetPort:    p.Target,
			PublishedPort: uint32(published),
			PublishMode:   swarmtypes.PortConfigPublishMode(p.Mode),
		})
	}
	slices.SortFunc(out, swarmtypes.PortConfig.Compare)
	if strings.EqualFold(mode, string(swarmtypes.ResolutionModeDNSRR)) {
		for _, p := range out {
			if p.PublishMode != swarmtypes.PortConfigPublishModeHost {
				return nil, fmt.Errorf("ports: %d is published through the routing mesh (mode ingress), which endpoint_mode dnsrr cannot use: publish it with mode: host, or use endpoint_mode vip", p.TargetPort)
			}
		}
	}
	return &swarmtypes.EndpointSpec{Mode: swarmtypes.ResolutionMode(strings.ToLower(mode)), Ports: out}, nil
}

func serviceMounts(p *types.Project, s types.ServiceConfig) ([]mount.Mount, error) {
	var out []mount.Mount
	for _, v := range s.Volumes {
		m := mount.Mount{
			Type:        mount.Type(v.Type),
			Source:      v.Source,
			Target:      v.Target,
			ReadOnly:    v.ReadOnly,
			Consistency: mount.Consistency(v.Consistency),
		}
		switch v.Type {
		case types.VolumeTypeVolume:
			if v.Source == "" {
				break
			}
			vol, ok := p.Volumes[v.Source]
			if !ok {
				return nil, fmt.Errorf("volumes: undefined volume %q", v.Source)
			}
			m.Source = vol.Name
			if m.Source == "" {
				m.Source = scope(p.Name, v.Source)
			}
			m.VolumeOptions = &mount.VolumeOptions{}
			if v.Volume != nil {
				m.VolumeOptions.NoCopy = v.Volume.NoCopy
				m.VolumeOptions.Subpath = v.Volume.Subpath
			}
			if bool(vol.External) {
				break
			}
			m.VolumeOptions.Labels = withNamespace(p.Name, vol.Labels)
			if vol.Driver != "" || vol.DriverOpts != nil {
				m.VolumeOptions.DriverConfig = &mount.Driver{Name: vol.Driver, Options: vol.DriverOpts}
			}
		case types.VolumeTypeBind:
			if v.Bind != nil && v.Bind.Propagation != "" {
				m.BindOptions = &mount.BindOptions{Propagation: mount.Propagation(v.Bind.Propagation)}
			}
		case types.VolumeTypeTmpfs:
			if v.Tmpfs != nil {
				m.TmpfsOptions = &mount.TmpfsOptions{SizeBytes: int64(v.Tmpfs.Size), Mode: os.FileMode(v.Tmpfs.Mode)}
			}
		default:
			return nil, fmt.Errorf("volumes: type %s is not supported on a swarm: use volume, bind or tmpfs", v.Type)
		}
		out = append(out, m)
	}
	return out, nil
}

func serviceNetworks(p *types.Project, s types.ServiceConfig) ([]swarmtypes.NetworkAttachmentConfig, error) {
	nets := s.Networks
	if len(nets) == 0 {
		nets = map[string]*types.ServiceNetworkConfig{"default": nil}
	}
	out := make([]swarmtypes.NetworkAttachmentConfig, 0, len(nets))
	for key, sn := range nets {
		nw, ok := p.Networks[key]
		if !ok && key != "default" {
			return nil, fmt.Errorf("networks: undefined network %q", key)
		}
		target := nw.Name
		if target == "" {
			target = scope(p.Name, key)
		}
		att := swarmtypes.NetworkAttachmentConfig{Target: target}
		if sn != nil {
			att.Aliases = slices.Clone(sn.Aliases)
			att.DriverOpts = sn.DriverOpts
		}
		if !slices.Contains(defaultAliasless, target) && !strings.HasPrefix(target, "container:") {
			att.Aliases = append(att.Aliases, s.Name)
		}
		out = append(out, att)
	}
	slices.SortFunc(out, func(a, b swarmtypes.NetworkAttachmentConfig) int { return strings.Compare(a.Target, b.Target) })
	return out, nil
}

// extraHosts turns extra_hosts into swarm's "IP host" lines, sorted by
// host: the loader keeps them in a map.
func extraHosts(hosts types.HostsList) []string {
	var out []string
	for _, host := range slices.Sorted(maps.Keys(hosts)) {
		for _, ip := range hosts[host] {
			out = append(out, ip+" "+host)
		}
	}
	return out
}

func dnsConfig(s types.ServiceConfig) *swarmtypes.DNSConfig {
	if len(s.DNS) == 0 && len(s.DNSSearch) == 0 && len(s.DNSOpts) == 0 {
		return nil
	}
	cfg := &swarmtypes.DNSConfig{Search: s.DNSSearch, Options: s.DNSOpts}
	for _, ip := range s.DNS {
		if addr, err := netip.ParseAddr(ip); err == nil {
			cfg.Nameservers = append(cfg.Nameservers, addr)
		}
	}
	return cfg
}

func healthcheck(h *types.HealthCheckConfig) *container.HealthConfig {
	if h == nil {
		return nil
	}
	if h.Disable {
		return &container.HealthConfig{Test: []string{"NONE"}}
	}
	hc := &container.HealthConfig{Test: h.Test}
	if h.Timeout != nil {
		hc.Timeout = time.Duration(*h.Timeout)
	}
	if h.Interval != nil {
		hc.Interval = time.Duration(*h.Interval)
	}
	if h.StartPeriod != nil {
		hc.StartPeriod = time.Duration(*h.StartPeriod)
	}
	if h.StartInterval != nil {
		hc.StartInterval = time.Duration(*h.StartInterval)
	}
	if h.Retries != nil {
		hc.Retries = int(min(*h.Retries, math.MaxInt32))
	}
	return hc
}

func resources(r types.Resources) *swarmtypes.ResourceRequirements {
	out := &swarmtypes.ResourceRequirements{}
	if l := r.Limits; l != nil {
		out.Limits = &swarmtypes.Limit{NanoCPUs: nanoCPUs(l.NanoCPUs), MemoryBytes: int64(l.MemoryBytes), Pids: l.Pids}
	}
	if res := r.Reservations; res != nil {
		out.Reservations = &swarmtypes.Resources{NanoCPUs: nanoCPUs(res.NanoCPUs), MemoryBytes: int64(res.MemoryBytes)}
		for _, g := range res.GenericResources {
			if d := g.DiscreteResourceSpec; d != nil {
				out.Reservations.GenericResources = append(out.Reservations.GenericResources,
					swarmtypes.GenericResource{DiscreteResourceSpec: &swarmtypes.DiscreteGenericResource{Kind: d.Kind, Value: d.Value}})
			}
		}
	}
	return out
}

// nanoCPUs rounds as the docker CLI's --cpus does, to the nano-CPU.
func nanoCPUs(cpus types.NanoCPUs) int64 {
	return int64(math.Round(float64(cpus) * 1e9))
}

func placementPreferences(prefs []types.PlacementPreferences) []swarmtypes.PlacementPreference {
	var out []swarmtypes.PlacementPreference
	for _, p := range prefs {
		out = append(out, swarmtypes.PlacementPreference{Spread: &swarmtypes.SpreadOver{SpreadDescriptor: p.Spread}})
	}
	return out
}

// updateConfig converts update_config or rollback_config; parallelism
// defaults to 1, as in `docker stack deploy`.
func updateConfig(u *types.UpdateConfig) *swarmtypes.UpdateConfig {
	if u == nil {
		return nil
	}
	parallel := uint64(1)
	if u.Parallelism != nil {
		parallel = *u.Parallelism
	}
	return &swarmtypes.UpdateConfig{
		Parallelism:     parallel,
		Delay:           time.Duration(u.Delay),
		FailureAction:   swarmtypes.FailureAction(u.FailureAction),
		Monitor:         time.Duration(u.Monitor),
		MaxFailureRatio: u.MaxFailureRatio,
		Order:           swarmtypes.UpdateOrder(u.Order),
	}
}
