package ocispec

import (
	"fmt"
	"os/exec"
	"slices"
	"sort"

	"github.com/compose-spec/compose-go/v2/types"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Input is everything Build needs for one container.
type Input struct {
	// Service is the compose service, project references resolved as
	// engine.ContainerSpec says.
	Service types.ServiceConfig
	// Image is the config of the service's image.
	Image v1.Config
	// Rootfs is the absolute path of the mounted root filesystem; Build
	// reads its /etc/passwd and /etc/group to resolve the user.
	Rootfs string
	// Namespaces lists the namespaces the container gets: a present key
	// is unshared; its value is a path to join, or "" for a new one. A
	// mount namespace is always added. User namespaces are not supported.
	Namespaces map[specs.LinuxNamespaceType]string
	// Hostname is the container's hostname (docker: the service's
	// hostname, else the short container ID); it is set only with a new
	// UTS namespace but always exported as $HOSTNAME.
	Hostname string
	// Mounts are the container's own mounts, already resolved by the
	// engine: Mounts' result plus secrets, configs and the hosts,
	// resolv.conf and hostname files. A mount replaces a default mount at
	// the same destination (and one at /dev replaces every default under
	// /dev).
	Mounts      []specs.Mount
	CgroupsPath string
	Terminal    bool
	// Init is the host path of a static init binary (tini/docker-init)
	// used for init: true; "" when the host has none. See FindInit.
	Init string
	// ProjectDir is the compose project's directory, against which a
	// relative security_opt seccomp=FILE is read, as compose does.
	ProjectDir string
}

// initPath is where docker mounts its init binary in the container.
const initPath = "/sbin/docker-init"

// FindInit returns the host path of a static init binary for init: true,
// or "" when the host has none: docker's own docker-init (tini built
// static) or Debian's tini-static. A dynamically linked tini is not used: it
// would not run inside an image without the host's libc.
func FindInit() string {
	for _, name := range []string{"docker-init", "tini-static"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// Build returns the runtime spec of in's container. The spec's root is
// "rootfs", relative to the bundle directory the engine writes it in.
func Build(in Input) (*specs.Spec, error) {
	return build(in, realHost())
}

// host is what Build reads of the machine it runs on, apart from the
// rootfs, so that tests do not depend on it.
type host struct {
	devices func() ([]specs.LinuxDevice, error) // the device nodes under /dev
	bound   func() ([]string, error)            // the engine's own capability bounding set
	seccomp func() (bool, error)                // whether the kernel has seccomp
}

func realHost() host { return host{devices: hostDevices, bound: boundingSet, seccomp: kernelSeccomp} }

func build(in Input, h host) (*specs.Spec, error) {
	s := in.Service
	wrap := func(err error) error { return fmt.Errorf("service %q: %w", s.Name, err) }
	if err := unsupported(s); err != nil {
		return nil, wrap(err)
	}
	sec, err := parseSecurityOpts(s.SecurityOpt)
	if err != nil {
		return nil, wrap(err)
	}
	args, err := command(s, in.Image)
	if err != nil {
		return nil, wrap(err)
	}
	mounts := slices.Clone(in.Mounts)
	if s.Init != nil && *s.Init {
		if in.Init == "" {
			return nil, wrap(&UnsupportedError{Key: "init", Reason: "no static init binary (docker-init or tini-static) was found on the host; install tini or remove init: true"})
		}
		args = append([]string{initPath, "--"}, args...)
		mounts = append(mounts, specs.Mount{Destination: initPath, Type: "bind", Source: in.Init, Options: []string{"bind", "ro", "rprivate"}})
	}
	proc, err := process(in, args, nil, "", "", in.Terminal, sec, h)
	if err != nil {
		return nil, wrap(err)
	}
	adj := int(s.OomScoreAdj)
	proc.OOMScoreAdj = &adj
	rlimits, err := rlimits(s.Ulimits)
	if err != nil {
		return nil, wrap(err)
	}
	proc.Rlimits = rlimits

	namespaces, err := linuxNamespaces(in.Namespaces)
	if err != nil {
		return nil, wrap(err)
	}
	sysctls, err := checkSysctls(s.Sysctls, in.Namespaces)
	if err != nil {
		return nil, wrap(err)
	}
	res, err := resources(s)
	if err != nil {
		return nil, wrap(err)
	}
	userDevs, userRules, err := serviceDevices(s)
	if err != nil {
		return nil, wrap(err)
	}

	spec := &specs.Spec{
		Version: specs.Version,
		Process: proc,
		Root:    &specs.Root{Path: "rootfs", Readonly: s.ReadOnly},
		Mounts:  append(defaultMounts(in, s.Privileged || sec.writableCgroups, mounts), sortMounts(mounts)...),
		Linux: &specs.Linux{
			Namespaces:        namespaces,
			Resources:         res,
			CgroupsPath:       in.CgroupsPath,
			Sysctl:            sysctls,
			RootfsPropagation: rootfsPropagation(mounts),
		},
	}
	if len(s.Annotations) > 0 {
		spec.Annotations = map[string]string(s.Annotations)
	}
	if path, ok := in.Namespaces[specs.UTSNamespace]; ok && path == "" {
		// runc refuses a hostname for a UTS namespace it does not create.
		spec.Hostname = in.Hostname
		spec.Domainname = s.DomainName
	}
	hasSeccomp, err := h.seccomp()
	if err != nil {
		return nil, wrap(err)
	}
	// After the capabilities: the default profile depends on them.
	if spec.Linux.Seccomp, err = seccompFilter(spec, s.Privileged, sec.seccomp, in.ProjectDir, hasSeccomp); err != nil {
		return nil, wrap(err)
	}
	if !s.Privileged {
		spec.Linux.Devices = userDevs
		res.Devices = append(defaultDeviceRules(), userRules...)
		if !sec.unconfinedPaths {
			spec.Linux.MaskedPaths = slices.Clone(maskedPaths)
			spec.Linux.ReadonlyPaths = slices.Clone(readonlyPaths)
		}
		return spec, nil
	}
	// privileged: every host device and capability, no masked paths, and
	// /sys and the cgroup tree writable (defaultMounts), as docker does.
	devs, err := h.devices()
	if err != nil {
		return nil, wrap(fmt.Errorf("privileged: listing the host's devices: %w", err))
	}
	spec.Linux.Devices = devs
	res.Devices = []specs.LinuxDeviceCgroup{{Allow: true, Access: "rwm"}}
	return spec, nil
}

// linuxNamespaces lists the namespaces in a fixed order, adding the mount
// namespace the rootfs needs.
func linuxNamespaces(ns map[specs.LinuxNamespaceType]string) ([]specs.LinuxNamespace, error) {
	if _, ok := ns[specs.UserNamespace]; ok {
		return nil, &UnsupportedError{Key: "userns_mode", Reason: "user namespaces are not used"}
	}
	order := []specs.LinuxNamespaceType{specs.PIDNamespace, specs.NetworkNamespace, specs.IPCNamespace, specs.UTSNamespace, specs.MountNamespace, specs.CgroupNamespace, specs.TimeNamespace}
	var out []specs.LinuxNamespace
	for _, t := range order {
		path, ok := ns[t]
		if !ok && t != specs.MountNamespace {
			continue
		}
		out = append(out, specs.LinuxNamespace{Type: t, Path: path})
	}
	for t := range ns {
		if !slices.Contains(order, t) {
			return nil, fmt.Errorf("namespace %q: unknown namespace type", t)
		}
	}
	return out, nil
}

// sortMounts orders mounts so that a parent is mounted before what is
// mounted inside it: by the depth of the destination, stable, as docker.
func sortMounts(ms []specs.Mount) []specs.Mount {
	out := slices.Clone(ms)
	sort.SliceStable(out, func(i, j int) bool { return depth(out[i].Destination) < depth(out[j].Destination) })
	return out
}

// rootfsPropagation is what shared or slave bind propagation needs of the
// rootfs: a mount cannot receive events through a private parent. Empty
// leaves runc's default.
func rootfsPropagation(ms []specs.Mount) string {
	prop := ""
	for _, m := range ms {
		for _, o := range m.Options {
			switch o {
			case "shared", "rshared":
				return "shared"
			case "slave", "rslave":
				prop = "rslave"
			}
		}
	}
	return prop
}
