package native

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/native/ocispec"
	"github.com/berth-dev/berth/engine/native/portproxy"
)

// defaultStopTimeout is docker's grace period before SIGKILL.
const defaultStopTimeout = 10 * time.Second

// CreateContainer records spec's container and checks what can fail
// before it starts: the image is there, its host ports are free, the
// networks exist, the service uses no key the engine cannot honour. It
// creates the container's anonymous volumes; nothing runs yet.
func (e *Engine) CreateContainer(ctx context.Context, spec engine.ContainerSpec) (string, error) {
	s := spec.Service
	op := "create container " + spec.Name
	image := s.Image
	if image == "" {
		// What compose's GetImageNameOrDefault names a built image.
		image = spec.Labels[engine.LabelProject] + "-" + s.Name
	}
	img, err := e.store.Inspect(ctx, image)
	if err != nil {
		return "", fmt.Errorf("%s: %w", op, err)
	}
	c := &container{
		ID:          newID(),
		Name:        strings.TrimPrefix(spec.Name, "/"),
		Created:     time.Now().UTC(),
		Image:       image,
		ImageID:     img.ID,
		Labels:      spec.Labels,
		Service:     s,
		AutoRemove:  spec.AutoRemove,
		AttachStdin: spec.AttachStdin,
		Command:     strings.Join(command(s, img.Config), " "),
		StopSignal:  firstOf(s.StopSignal, img.Config.StopSignal, "SIGTERM"),
		StopTimeout: defaultStopTimeout,
	}
	if c.Name == "" {
		c.Name = "berth_" + c.ID[:12]
	}
	if s.StopGracePeriod != nil {
		c.StopTimeout = time.Duration(*s.StopGracePeriod)
	}
	c.Hostname = s.Hostname
	if c.Hostname == "" {
		c.Hostname = c.ID[:12]
	}
	if _, err := ocispec.Build(ocispec.Input{Service: s, Image: img.Config, Init: ocispec.FindInit()}); errors.Is(err, engine.ErrUnsupported) {
		// Only what can never work fails here: the rest of the spec
		// needs the mounted root, and is built again at start.
		return "", fmt.Errorf("%s: %w", op, err)
	}
	if c.NetworkMode, err = e.networkMode(s.NetworkMode); err != nil {
		return "", fmt.Errorf("%s: service %q: %w", op, s.Name, err)
	}
	if c.NetworkMode != "bridge" && len(s.Ports) > 0 {
		return "", fmt.Errorf("%s: service %q: ports cannot be published with network_mode %s", op, s.Name, s.NetworkMode)
	}

	var prev *container
	if spec.InheritVolumesFrom != "" {
		if prev, err = e.lookup(spec.InheritVolumesFrom); err != nil && !errors.Is(err, engine.ErrNotFound) {
			return "", fmt.Errorf("%s: %w", op, err)
		}
	}
	if err := e.resolveMounts(c, img.Config, prev); err != nil {
		return "", fmt.Errorf("%s: service %q: %w", op, s.Name, err)
	}

	err = e.locked(func() error {
		// Only names, ports and addresses are needed, and the lock held
		// as short as can be: every create of every berth waits for it.
		all, err := e.claims.all(e.root)
		if err != nil {
			return err
		}
		for _, o := range all {
			if o.Name == c.Name {
				return fmt.Errorf("the name %s is already in use by container %s: remove or rename it: %w", c.Name, shortID(o.ID), engine.ErrConflict)
			}
		}
		if c.Ports, err = publishedPorts(s, all); err != nil {
			return fmt.Errorf("service %q: %w", s.Name, err)
		}
		if c.NetworkMode == "bridge" {
			for _, att := range spec.Networks {
				n, err := e.findNetwork(att.Network)
				if err != nil {
					return err
				}
				a, err := allocate(c, n, att, all)
				if err != nil {
					return err
				}
				c.Networks = append(c.Networks, a)
			}
		}
		e.sweep()
		if err := os.MkdirAll(e.containerDir(c.ID), 0o755); err != nil {
			return err
		}
		return e.writeContainer(c)
	})
	if err != nil {
		e.removeAnonymous(c, prev)
		return "", fmt.Errorf("%s: %w", op, err)
	}
	return c.ID, nil
}

// sweep removes container directories that have no record: what a
// create or a removal killed midway left. Creates write the directory and
// the record under the lock this runs under, and removals delete the
// record only once nothing is mounted, so such a directory holds nothing
// of the kernel's.
func (e *Engine) sweep() {
	entries, err := os.ReadDir(filepath.Join(e.root, "containers"))
	if err != nil {
		return
	}
	for _, ent := range entries {
		dir := filepath.Join(e.root, "containers", ent.Name())
		if _, err := os.Lstat(filepath.Join(dir, "container.json")); !errors.Is(err, fs.ErrNotExist) || isMountpoint(filepath.Join(dir, "rootfs")) {
			continue
		}
		_ = os.RemoveAll(dir)
	}
}

// removeAnonymous removes the anonymous volumes made for c that it did not
// take over from prev, after a create that failed.
func (e *Engine) removeAnonymous(c *container, prev *container) {
	for target, name := range c.Anonymous {
		if prev != nil && prev.Anonymous[target] == name {
			continue
		}
		_ = os.RemoveAll(e.volumeDir(name))
	}
}

func firstOf(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// command is what the container runs: the service's entrypoint and
// command over the image's, as docker combines them.
func command(s types.ServiceConfig, img v1.Config) []string {
	entry, cmd := img.Entrypoint, img.Cmd
	if s.Entrypoint != nil {
		entry, cmd = s.Entrypoint, nil
	}
	if s.Command != nil {
		cmd = s.Command
	}
	return append(slices.Clone(entry), cmd...)
}

// networkMode normalises the service's network_mode: "bridge" for
// networks of the engine's, "none", "host" or "container:ID".
func (e *Engine) networkMode(mode string) (string, error) {
	switch {
	case mode == "" || mode == "bridge" || mode == "default":
		return "bridge", nil
	case mode == "none" || mode == "host":
		return mode, nil
	case strings.HasPrefix(mode, types.NetworkModeContainerPrefix):
		target, err := e.lookup(strings.TrimPrefix(mode, types.NetworkModeContainerPrefix))
		if err != nil {
			return "", fmt.Errorf("network_mode %s: %w", mode, err)
		}
		return types.NetworkModeContainerPrefix + target.ID, nil
	}
	return "", fmt.Errorf("network_mode %q is %w on the native engine: use none, host, service:NAME or networks", mode, engine.ErrUnsupported)
}

// publishedPorts resolves the service's ports: a host port left open is
// picked now, a range gives its first free port, and each must be free
// unless another container of the engine's holds it (a recreate: the old
// one still runs; a clash shows when the second starts).
func publishedPorts(s types.ServiceConfig, all []*container) ([]engine.Port, error) {
	taken := func(p engine.Port) bool {
		for _, c := range all {
			for _, q := range c.Ports {
				if q.HostPort == p.HostPort && q.Protocol == p.Protocol && (q.HostIP == p.HostIP || q.HostIP == "" || p.HostIP == "") {
					return true
				}
			}
		}
		return false
	}
	var out []engine.Port
	for _, sp := range s.Ports {
		proto := firstOf(sp.Protocol, "tcp")
		if proto != "tcp" && proto != "udp" {
			return nil, fmt.Errorf("ports: protocol %s is %w on the native engine: use tcp or udp", proto, engine.ErrUnsupported)
		}
		if sp.Target == 0 || sp.Target > 65535 {
			return nil, fmt.Errorf("ports: container port %d is out of range", sp.Target)
		}
		p := engine.Port{ContainerPort: uint16(sp.Target), Protocol: proto, HostIP: sp.HostIP}
		var hostIP netip.Addr
		if sp.HostIP != "" {
			ip, err := netip.ParseAddr(sp.HostIP)
			if err != nil || !ip.Is4() {
				return nil, fmt.Errorf("ports: host_ip %q: only IPv4 addresses work on the native engine", sp.HostIP)
			}
			hostIP = ip
		}
		lo, hi, err := portRange(sp.Published)
		if err != nil {
			return nil, fmt.Errorf("ports: published %q: %w", sp.Published, err)
		}
		if lo == 0 {
			port, err := freePort(hostIP, proto)
			if err != nil {
				return nil, fmt.Errorf("ports: pick a host port for %d/%s: %w", sp.Target, proto, err)
			}
			lo, hi = port, port
		}
		var lastErr error
		for port := lo; port <= hi && port != 0; port++ {
			p.HostPort = port
			if taken(p) {
				lastErr = nil
				break
			}
			if lastErr = portproxy.CheckPort(portproxy.PortMap{HostIP: hostIP, HostPort: port, Proto: proto}); lastErr == nil {
				break
			}
		}
		if lastErr != nil {
			return nil, fmt.Errorf("ports: %w", lastErr)
		}
		out = append(out, p)
	}
	return out, nil
}

// portRange parses "8080" or "8000-8010"; "" is 0, 0.
func portRange(s string) (uint16, uint16, error) {
	if s == "" {
		return 0, 0, nil
	}
	a, b, isRange := strings.Cut(s, "-")
	lo, err := strconv.ParseUint(a, 10, 16)
	if err != nil {
		return 0, 0, err
	}
	hi := lo
	if isRange {
		if hi, err = strconv.ParseUint(b, 10, 16); err != nil || hi < lo {
			return 0, 0, fmt.Errorf("not a port range")
		}
	}
	return uint16(lo), uint16(hi), nil
}

// freePort asks the kernel for an unused port, as docker does for a port
// published without a host port.
func freePort(ip netip.Addr, proto string) (uint16, error) {
	host := ""
	if ip.IsValid() {
		host = ip.String()
	}
	addr := net.JoinHostPort(host, "0")
	if proto == "udp" {
		pc, err := net.ListenPacket("udp4", addr)
		if err != nil {
			return 0, err
		}
		defer pc.Close()
		return uint16(pc.LocalAddr().(*net.UDPAddr).Port), nil
	}
	ln, err := net.Listen("tcp4", addr)
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return uint16(ln.Addr().(*net.TCPAddr).Port), nil
}

// resolveMounts turns the service's volumes, the image's declared volumes
// and volumes_from into host mounts, making named volumes that do not
// exist (as docker does) and anonymous ones; prev, when set, hands over
// its anonymous volumes by target.
func (e *Engine) resolveMounts(c *container, img v1.Config, prev *container) error {
	byPath := map[string]string{} // host path → volume name
	c.Anonymous = map[string]string{}
	volume := func(name string) (string, error) {
		v, err := e.ensureVolume(name, "", nil, nil)
		if err != nil {
			return "", err
		}
		p := e.mountpoint(v)
		byPath[p] = v.Name
		return p, nil
	}
	anon := func(target string) (string, error) {
		name := ""
		if prev != nil {
			name = prev.Anonymous[target]
		}
		if _, err := e.readVolume(name); name == "" || err != nil {
			name = newID()
			if _, err := e.ensureVolume(name, "", nil, map[string]string{"com.docker.volume.anonymous": ""}); err != nil {
				return "", err
			}
		}
		c.Anonymous[target] = name
		return volume(name)
	}
	mounts, err := ocispec.Mounts(c.Service, volume, anon)
	if err != nil {
		return err
	}
	covered := func(dst string) bool {
		return slices.ContainsFunc(mounts, func(m specs.Mount) bool { return m.Destination == dst })
	}
	for _, from := range c.Service.VolumesFrom {
		ref, mode, _ := strings.Cut(strings.TrimPrefix(from, types.ContainerPrefix), ":")
		src, err := e.lookup(ref)
		if err != nil {
			return fmt.Errorf("volumes_from %s: %w", from, err)
		}
		for _, m := range src.Mounts {
			if covered(m.Destination) {
				continue
			}
			if mode == "ro" {
				m.Options = append(slices.DeleteFunc(slices.Clone(m.Options), func(o string) bool { return o == "rw" }), "ro")
			}
			mounts = append(mounts, m)
			if name, ok := volumeName(src, m.Source); ok {
				byPath[m.Source] = name
			}
		}
	}
	for _, t := range ocispec.ImageVolumes(img, mounts) {
		p, err := anon(t)
		if err != nil {
			return fmt.Errorf("image volume %s: %w", t, err)
		}
		mounts = append(mounts, specs.Mount{Destination: t, Type: "bind", Source: p, Options: []string{"rbind", "rw"}})
	}
	c.Mounts = mounts
	for _, m := range mounts {
		r := engine.Mount{Type: m.Type, Source: m.Source, Destination: m.Destination, ReadOnly: slices.Contains(m.Options, "ro")}
		switch name, ok := byPath[m.Source]; {
		case ok:
			r.Type, r.Name = "volume", name
		case m.Type == "tmpfs":
		default:
			r.Type = "bind"
		}
		c.Reported = append(c.Reported, r)
	}
	slices.SortFunc(c.Reported, func(a, b engine.Mount) int { return strings.Compare(a.Destination, b.Destination) })
	return nil
}

// volumeName is the volume c mounts from host path p.
func volumeName(c *container, p string) (string, bool) {
	for _, r := range c.Reported {
		if r.Source == p && r.Type == "volume" {
			return r.Name, true
		}
	}
	return "", false
}
