package docker

import (
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/internal/composeconv"
)

// createConfig is everything CreateContainer sends for one container: the
// create request itself, then the networks to connect before start on
// engines that take only one network at create.
type createConfig struct {
	Name             string
	Config           *container.Config
	HostConfig       *container.HostConfig
	NetworkingConfig *network.NetworkingConfig
	Connect          []networkConnect `json:",omitempty"`
}

// networkConnect is one NetworkConnect call made after create.
type networkConnect struct {
	Network  string
	Endpoint *network.EndpointSettings
}

// previous describes the container being replaced, for InheritVolumesFrom:
// its mounts and the volumes its image declares.
type previous struct {
	Mounts       []container.MountPoint
	ImageVolumes []string
}

// createRequest translates spec into the request docker compose would send
// for the same service (pkg/compose/create.go getCreateConfigs). It does no
// I/O: CreateContainer gathers prev and resolves seccomp profile files first.
func createRequest(spec engine.ContainerSpec, apiVersion string, prev *previous) (createConfig, error) {
	s := spec.Service
	where := fmt.Sprintf("service %q", s.Name)

	healthcheck, err := healthConfig(s.HealthCheck)
	if err != nil {
		return createConfig{}, fmt.Errorf("%s: %w", where, err)
	}
	exposed, err := exposedPorts(s)
	if err != nil {
		return createConfig{}, fmt.Errorf("%s: %w", where, err)
	}
	bindings, err := portBindings(s)
	if err != nil {
		return createConfig{}, fmt.Errorf("%s: %w", where, err)
	}
	binds, mounts, err := volumeMounts(s, apiVersion, prev)
	if err != nil {
		return createConfig{}, fmt.Errorf("%s: %w", where, err)
	}
	networkMode, netConfig, connect, err := networkSettings(spec, apiVersion)
	if err != nil {
		return createConfig{}, fmt.Errorf("%s: %w", where, err)
	}
	securityOpts, unconfined, err := securityOptions(s.SecurityOpt)
	if err != nil {
		return createConfig{}, fmt.Errorf("%s: %w", where, err)
	}
	var dns []netip.Addr
	for _, d := range s.DNS {
		ip, err := netip.ParseAddr(d)
		if err != nil {
			return createConfig{}, fmt.Errorf("%s: dns: invalid address %q: %w", where, d, err)
		}
		dns = append(dns, ip)
	}

	image := s.Image
	if image == "" {
		// What compose's GetImageNameOrDefault names a built image.
		image = spec.Labels[engine.LabelProject] + "-" + s.Name
	}

	cfg := &container.Config{
		Hostname:        s.Hostname,
		Domainname:      s.DomainName,
		User:            s.User,
		ExposedPorts:    exposed,
		Tty:             s.Tty,
		OpenStdin:       s.StdinOpen,
		AttachStdin:     spec.AttachStdin,
		StdinOnce:       spec.AttachStdin && s.StdinOpen,
		AttachStdout:    true,
		AttachStderr:    true,
		Cmd:             s.Command,
		Image:           image,
		WorkingDir:      s.WorkingDir,
		Entrypoint:      s.Entrypoint,
		NetworkDisabled: s.NetworkMode == "disabled",
		Labels:          spec.Labels,
		StopSignal:      s.StopSignal,
		Env:             composeconv.Environment(s.Environment),
		Healthcheck:     healthcheck,
		StopTimeout:     seconds(s.StopGracePeriod),
	}

	tmpfs := map[string]string{}
	for _, t := range s.Tmpfs {
		k, v, _ := strings.Cut(t, ":")
		tmpfs[k] = v
	}
	var logConfig container.LogConfig
	if s.Logging != nil {
		logConfig = container.LogConfig{Type: s.Logging.Driver, Config: s.Logging.Options}
	}
	var links []string
	if len(spec.Networks) > 0 {
		links = spec.Networks[0].Links
	}

	host := &container.HostConfig{
		Annotations:    s.Annotations,
		Binds:          binds,
		Mounts:         mounts,
		CapAdd:         s.CapAdd,
		CapDrop:        s.CapDrop,
		NetworkMode:    networkMode,
		Init:           s.Init,
		IpcMode:        container.IpcMode(s.Ipc),
		CgroupnsMode:   container.CgroupnsMode(s.Cgroup),
		ReadonlyRootfs: s.ReadOnly,
		RestartPolicy:  restartPolicy(s),
		ShmSize:        int64(s.ShmSize),
		Sysctls:        s.Sysctls,
		PortBindings:   bindings,
		Resources:      resources(s),
		VolumeDriver:   s.VolumeDriver,
		VolumesFrom:    volumesFrom(s.VolumesFrom),
		DNS:            dns,
		DNSSearch:      s.DNSSearch,
		DNSOptions:     s.DNSOpts,
		ExtraHosts:     sorted(s.ExtraHosts.AsList(":")),
		SecurityOpt:    securityOpts,
		StorageOpt:     s.StorageOpt,
		UsernsMode:     container.UsernsMode(s.UserNSMode),
		UTSMode:        container.UTSMode(s.Uts),
		Privileged:     s.Privileged,
		PidMode:        container.PidMode(s.Pid),
		Tmpfs:          tmpfs,
		Isolation:      container.Isolation(s.Isolation),
		Runtime:        s.Runtime,
		LogConfig:      logConfig,
		GroupAdd:       s.GroupAdd,
		Links:          links,
		OomScoreAdj:    int(s.OomScoreAdj),
		AutoRemove:     spec.AutoRemove,
	}
	if unconfined {
		host.MaskedPaths = []string{}
		host.ReadonlyPaths = []string{}
	}
	return createConfig{
		Name:             spec.Name,
		Config:           cfg,
		HostConfig:       host,
		NetworkingConfig: netConfig,
		Connect:          connect,
	}, nil
}

// volumesFrom drops the "container:" prefix compose allows: the engine wants
// name[:ro|rw].
func volumesFrom(in []string) []string {
	var out []string
	for _, v := range in {
		out = append(out, strings.TrimPrefix(v, "container:"))
	}
	return out
}

func sorted(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	sort.Strings(s)
	return s
}

func seconds(d *types.Duration) *int {
	if d == nil {
		return nil
	}
	s := int(time.Duration(*d).Seconds())
	return &s
}

func healthConfig(check *types.HealthCheckConfig) (*container.HealthConfig, error) {
	if check == nil {
		return nil, nil
	}
	h := &container.HealthConfig{Test: check.Test}
	if check.Disable {
		h.Test = []string{"NONE"}
	}
	if check.Interval != nil {
		h.Interval = time.Duration(*check.Interval)
	}
	if check.Timeout != nil {
		h.Timeout = time.Duration(*check.Timeout)
	}
	if check.StartPeriod != nil {
		h.StartPeriod = time.Duration(*check.StartPeriod)
	}
	if check.Retries != nil {
		h.Retries = int(*check.Retries)
	}
	if check.StartInterval != nil {
		if check.StartPeriod == nil {
			// The engine ignores start_interval without start_period
			// (moby/moby#48874); say so instead of silently dropping it.
			return nil, fmt.Errorf("healthcheck.start_interval requires healthcheck.start_period to be set")
		}
		h.StartInterval = time.Duration(*check.StartInterval)
	}
	return h, nil
}

func restartPolicy(s types.ServiceConfig) container.RestartPolicy {
	var p container.RestartPolicy
	if s.Restart != "" {
		name, num, ok := strings.Cut(s.Restart, ":")
		p.Name = restartMode(name)
		if ok {
			p.MaximumRetryCount, _ = strconv.Atoi(num)
		}
	}
	if s.Deploy != nil && s.Deploy.RestartPolicy != nil {
		rp := s.Deploy.RestartPolicy
		p = container.RestartPolicy{Name: restartMode(rp.Condition)}
		if rp.MaxAttempts != nil {
			p.MaximumRetryCount = int(*rp.MaxAttempts)
		}
	}
	return p
}

// restartMode maps deploy.restart_policy conditions onto engine policies.
func restartMode(condition string) container.RestartPolicyMode {
	switch condition {
	case "none", "no":
		return container.RestartPolicyDisabled
	case "on-failure":
		return container.RestartPolicyOnFailure
	case "unless-stopped":
		return container.RestartPolicyUnlessStopped
	case "any", "always":
		return container.RestartPolicyAlways
	}
	return container.RestartPolicyMode(condition)
}

// securityOptions validates security_opt like the docker CLI and pulls out
// systempaths=unconfined, which is a HostConfig field rather than an option.
// seccomp profile paths must already be replaced by the profile's JSON.
func securityOptions(opts []string) ([]string, bool, error) {
	var out []string
	unconfined := false
	for _, opt := range opts {
		if opt == "systempaths=unconfined" {
			unconfined = true
			continue
		}
		if !strings.Contains(opt, "=") && opt != "no-new-privileges" && !strings.Contains(opt, ":") {
			return nil, false, fmt.Errorf("security_opt: invalid option %q: want key=value", opt)
		}
		out = append(out, opt)
	}
	return out, unconfined, nil
}
