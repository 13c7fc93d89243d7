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
	"sort"
	"strings"
	"time"

	"github.com/berth-dev/berth/engine"
	"github.com/berth-dev/berth/engine/native/netctl"
	"github.com/berth-dev/berth/internal/subnet"
)

// network is a network's record, networks/<id>.json.
type network struct {
	ID       string
	Name     string
	Labels   map[string]string
	Internal bool
	Subnet   netip.Prefix
	Gateway  netip.Addr
	Created  time.Time
}

// bridge is the network's Linux bridge.
func (n *network) bridge() netctl.Bridge {
	return netctl.Bridge{
		Name:     "br-" + n.ID[:12],
		Gateway:  netip.PrefixFrom(n.Gateway, n.Subnet.Bits()),
		Internal: n.Internal,
	}
}

func (n *network) view(attached []string) engine.Network {
	return engine.Network{ID: n.ID, Name: n.Name, Driver: "bridge", Labels: n.Labels, Internal: n.Internal, Containers: attached}
}

func (e *Engine) allNetworks() ([]*network, error) {
	entries, err := os.ReadDir(filepath.Join(e.root, "networks"))
	if err != nil {
		return nil, fmt.Errorf("list networks: %w", err)
	}
	var out []*network
	for _, ent := range entries {
		id, ok := strings.CutSuffix(ent.Name(), ".json")
		if !ok || len(id) != 64 {
			continue
		}
		var n network
		if err := readJSON(e.networkPath(id), &n); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			return nil, fmt.Errorf("read network record %s: %w", ent.Name(), err)
		}
		out = append(out, &n)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// findNetwork finds a network by name, ID or unique ID prefix.
func (e *Engine) findNetwork(ref string) (*network, error) {
	all, err := e.allNetworks()
	if err != nil {
		return nil, err
	}
	for _, n := range all {
		if n.Name == ref || n.ID == ref {
			return n, nil
		}
	}
	var found *network
	for _, n := range all {
		if ref != "" && strings.HasPrefix(n.ID, ref) {
			if found != nil {
				return nil, fmt.Errorf("network %s: the prefix matches several networks: give more of the ID", ref)
			}
			found = n
		}
	}
	if found == nil {
		return nil, fmt.Errorf("network %s not found: %w", ref, engine.ErrNotFound)
	}
	return found, nil
}

// attachedTo lists the IDs of the containers with an endpoint on network id.
func attachedTo(cs []*container, id string) []string {
	var out []string
	for _, c := range cs {
		if slices.ContainsFunc(c.Networks, func(a attachment) bool { return a.NetworkID == id }) {
			out = append(out, c.ID)
		}
	}
	return out
}

func (e *Engine) listNetworks(keep func(*network) bool) ([]engine.Network, error) {
	all, err := e.allNetworks()
	if err != nil {
		return nil, err
	}
	cs, err := e.allContainers()
	if err != nil {
		return nil, err
	}
	out := []engine.Network{}
	for _, n := range all {
		if keep(n) {
			out = append(out, n.view(attachedTo(cs, n.ID)))
		}
	}
	return out, nil
}

// Networks lists the project's networks.
func (e *Engine) Networks(ctx context.Context, project string) ([]engine.Network, error) {
	return e.listNetworks(func(n *network) bool { return n.Labels[engine.LabelProject] == project })
}

// ProjectNetworks lists the networks of every project.
func (e *Engine) ProjectNetworks(ctx context.Context) ([]engine.Network, error) {
	return e.listNetworks(func(n *network) bool { _, ok := n.Labels[engine.LabelProject]; return ok })
}

// InspectNetwork finds a network by name or ID.
func (e *Engine) InspectNetwork(ctx context.Context, ref string) (engine.Network, error) {
	n, err := e.findNetwork(ref)
	if err != nil {
		return engine.Network{}, err
	}
	cs, err := e.allContainers()
	if err != nil {
		return engine.Network{}, err
	}
	return n.view(attachedTo(cs, n.ID)), nil
}

// NetworkEndpoints lists the containers attached to network ref.
func (e *Engine) NetworkEndpoints(ctx context.Context, ref string) ([]engine.NetworkEndpoint, error) {
	n, err := e.findNetwork(ref)
	if err != nil {
		return nil, err
	}
	cs, err := e.allContainers()
	if err != nil {
		return nil, err
	}
	var out []engine.NetworkEndpoint
	for _, c := range cs {
		if slices.ContainsFunc(c.Networks, func(a attachment) bool { return a.NetworkID == n.ID }) {
			out = append(out, engine.NetworkEndpoint{ContainerID: c.ID, Name: c.Name})
		}
	}
	return out, nil
}

// Subnets lists the subnets of the engine's networks and of the host's
// own interfaces (docker's bridges among them), so that berth's pool
// never picks a range already routed here.
func (e *Engine) Subnets(ctx context.Context) ([]netip.Prefix, error) {
	all, err := e.allNetworks()
	if err != nil {
		return nil, err
	}
	var out []netip.Prefix
	for _, n := range all {
		out = append(out, n.Subnet)
	}
	return append(out, subnet.HostSubnets()...), nil
}

// CreateNetwork creates the network's record and its bridge. Its subnet is
// spec.Subnet, else the compose ipam config's, else a free /24 of berth's
// default pool.
func (e *Engine) CreateNetwork(ctx context.Context, spec engine.NetworkSpec) (string, error) {
	op := "create network " + spec.Name
	cfg := spec.Config
	if d := cfg.Driver; d != "" && d != "bridge" {
		return "", fmt.Errorf("%s: driver %q is %w on the native engine, which has bridge networks only: drop the driver or use --engine docker", op, d, engine.ErrUnsupported)
	}
	if cfg.EnableIPv6 != nil && *cfg.EnableIPv6 {
		return "", fmt.Errorf("%s: enable_ipv6 is %w on the native engine: drop it or use --engine docker", op, engine.ErrUnsupported)
	}
	n := &network{ID: newID(), Name: spec.Name, Labels: spec.Labels, Internal: cfg.Internal, Created: time.Now().UTC()}
	var gateway string
	switch {
	case spec.Subnet.IsValid():
		n.Subnet = spec.Subnet.Masked()
	default:
		for _, p := range cfg.Ipam.Config {
			if p == nil || p.Subnet == "" {
				continue
			}
			s, err := netip.ParsePrefix(p.Subnet)
			if err != nil {
				return "", fmt.Errorf("%s: ipam subnet %q: %w", op, p.Subnet, err)
			}
			if !s.Addr().Is4() {
				return "", fmt.Errorf("%s: ipam subnet %s: IPv6 is %w on the native engine", op, s, engine.ErrUnsupported)
			}
			n.Subnet, gateway = s.Masked(), p.Gateway
			break
		}
	}
	if n.Subnet.IsValid() && n.Subnet.Bits() > 30 {
		return "", fmt.Errorf("%s: subnet %s is too small: give a /30 or larger", op, n.Subnet)
	}
	err := e.locked(func() error {
		all, err := e.allNetworks()
		if err != nil {
			return err
		}
		for _, o := range all {
			if o.Name == spec.Name {
				return fmt.Errorf("%s: a network with this name already exists: %w", op, engine.ErrConflict)
			}
		}
		used, err := e.Subnets(ctx)
		if err != nil {
			return err
		}
		if !n.Subnet.IsValid() {
			// Used only when the caller brought no subnet from berth's
			// pool (BERTH_SUBNET_POOL=off): the native engine has no
			// daemon to pick one.
			pool, _, err := subnet.Parse(subnet.DefaultPool, "24")
			if err != nil {
				return err
			}
			s, ok := pool.Pick(used)
			if !ok {
				return fmt.Errorf("%s: no free /24 left in %s: remove unused networks (berth gc)", op, pool)
			}
			n.Subnet = s
		}
		for _, u := range used {
			if u.Overlaps(n.Subnet) {
				return fmt.Errorf("%s: subnet %s overlaps %s: %w", op, n.Subnet, u, engine.ErrSubnetOverlap)
			}
		}
		if n.Gateway, err = pickGateway(n.Subnet, gateway); err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		if err := writeJSON(e.networkPath(n.ID), n); err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	if err := e.bridges.ensure(ctx, n.bridge()); err != nil {
		// The record stays: RemoveNetwork (down) removes whatever exists.
		return "", fmt.Errorf("%s: %w", op, err)
	}
	return n.ID, nil
}

// pickGateway is the given gateway, or the subnet's first address.
func pickGateway(s netip.Prefix, given string) (netip.Addr, error) {
	if given == "" {
		return s.Addr().Next(), nil
	}
	gw, err := netip.ParseAddr(given)
	if err != nil || !s.Contains(gw) {
		return netip.Addr{}, fmt.Errorf("ipam gateway %q is not an address of subnet %s", given, s)
	}
	return gw, nil
}

// RemoveNetwork deletes the network's bridge and record; a network a
// running container is attached to is refused.
func (e *Engine) RemoveNetwork(ctx context.Context, ref string) error {
	n, err := e.findNetwork(ref)
	if err != nil {
		return fmt.Errorf("remove network %s: %w", ref, err)
	}
	cs, err := e.allContainers()
	if err != nil {
		return err
	}
	for _, c := range cs {
		if !slices.ContainsFunc(c.Networks, func(a attachment) bool { return a.NetworkID == n.ID }) {
			continue
		}
		s, err := e.observe(c)
		if err != nil {
			return err
		}
		if s.running() {
			return fmt.Errorf("remove network %s: container %s is attached and running: %w", n.Name, c.Name, engine.ErrActiveEndpoints)
		}
	}
	e.bridges.forget(n.bridge().Name)
	if err := netctl.DeleteBridge(ctx, n.bridge().Name); err != nil {
		return fmt.Errorf("remove network %s: %w", n.Name, err)
	}
	if err := os.Remove(e.networkPath(n.ID)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove network %s: %w", n.Name, err)
	}
	return nil
}

// allocate gives container c an endpoint on network n per att. It runs
// under the engine's lock, with every record read: the first free address
// after the gateway, or the one asked for.
func allocate(c *container, n *network, att engine.NetworkAttachment, all []*container) (attachment, error) {
	used := map[netip.Addr]bool{n.Gateway: true}
	for _, o := range all {
		for _, a := range o.Networks {
			if a.NetworkID == n.ID && a.Addr.IsValid() {
				used[a.Addr.Addr()] = true
			}
		}
	}
	out := attachment{Network: n.Name, NetworkID: n.ID, Aliases: att.Aliases, Gateway: n.Gateway}
	for i := 0; ; i++ {
		if i == maxAttachments {
			return out, fmt.Errorf("container %s: at most %d networks per container on the native engine", c.Name, maxAttachments)
		}
		if !slices.ContainsFunc(c.Networks, func(a attachment) bool { return a.Index == i }) {
			out.Index = i
			break
		}
	}
	if att.IPv6Address != "" {
		return out, fmt.Errorf("network %s: ipv6_address is %w on the native engine", n.Name, engine.ErrUnsupported)
	}
	if att.IPv4Address != "" {
		ip, err := netip.ParseAddr(att.IPv4Address)
		if err != nil || !n.Subnet.Contains(ip) {
			return out, fmt.Errorf("network %s: ipv4_address %s is not in the network's subnet %s", n.Name, att.IPv4Address, n.Subnet)
		}
		if used[ip] {
			return out, fmt.Errorf("network %s: ipv4_address %s is already in use: %w", n.Name, ip, engine.ErrConflict)
		}
		out.Addr = netip.PrefixFrom(ip, n.Subnet.Bits())
	} else {
		last := lastAddr(n.Subnet)
		for ip := n.Subnet.Addr().Next(); ip.Less(last); ip = ip.Next() {
			if !used[ip] {
				out.Addr = netip.PrefixFrom(ip, n.Subnet.Bits())
				break
			}
		}
		if !out.Addr.IsValid() {
			return out, fmt.Errorf("network %s: no free address left in %s", n.Name, n.Subnet)
		}
	}
	out.MAC = macFor(out.Addr.Addr())
	if att.MacAddress != "" {
		out.MAC = att.MacAddress
	}
	return out, nil
}

// lastAddr is the subnet's broadcast address.
func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().As4()
	host := uint32(1)<<(32-p.Bits()) - 1
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3]) | host
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

// ConnectNetwork attaches container ref to network; a running container
// gets its interface at once.
func (e *Engine) ConnectNetwork(ctx context.Context, netRef, ref string, att engine.NetworkAttachment) error {
	op := fmt.Sprintf("connect container %s to network %s", ref, netRef)
	var c *container
	var a attachment
	err := e.locked(func() error {
		n, err := e.findNetwork(netRef)
		if err != nil {
			return err
		}
		if c, err = e.lookup(ref); err != nil {
			return err
		}
		if c.NetworkMode != "bridge" {
			return fmt.Errorf("container %s has network_mode %s: it cannot join networks", c.Name, c.NetworkMode)
		}
		if slices.ContainsFunc(c.Networks, func(a attachment) bool { return a.NetworkID == n.ID }) {
			return fmt.Errorf("container %s is already on network %s: %w", c.Name, n.Name, engine.ErrConflict)
		}
		all, err := e.allContainers()
		if err != nil {
			return err
		}
		if a, err = allocate(c, n, att, all); err != nil {
			return err
		}
		c.Networks = append(c.Networks, a)
		return e.writeContainer(c)
	})
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	s, err := e.observe(c)
	if err != nil {
		return err
	}
	if s.running() {
		n, err := e.findNetwork(a.NetworkID)
		if err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		if err := e.attach(ctx, c, n, a); err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		// Its DNS server reads the record at each question; the hosts
		// file is read by the container itself.
		if err := e.rewriteHosts(c); err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
	}
	return nil
}

// DisconnectNetwork detaches container ref from network.
func (e *Engine) DisconnectNetwork(ctx context.Context, netRef, ref string, force bool) error {
	op := fmt.Sprintf("disconnect container %s from network %s", ref, netRef)
	var gone *attachment
	var c *container
	err := e.locked(func() error {
		var err error
		if c, err = e.lookup(ref); err != nil {
			return err
		}
		i := slices.IndexFunc(c.Networks, func(a attachment) bool {
			return a.Network == netRef || a.NetworkID == netRef || strings.HasPrefix(a.NetworkID, netRef)
		})
		if i < 0 {
			return fmt.Errorf("container %s is not on network %s: %w", c.Name, netRef, engine.ErrNotFound)
		}
		a := c.Networks[i]
		gone = &a
		c.Networks = slices.Delete(c.Networks, i, i+1)
		return e.writeContainer(c)
	})
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if err := netctl.Detach(ctx, gone.hostVeth(c.ID)); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if s, err := e.observe(c); err == nil && s.running() {
		if err := e.rewriteHosts(c); err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
	}
	return nil
}

// attach gives running container c its interface on network n.
func (e *Engine) attach(ctx context.Context, c *container, n *network, a attachment) error {
	if err := e.bridges.ensure(ctx, n.bridge()); err != nil {
		return err
	}
	mac, err := net.ParseMAC(a.MAC)
	if err != nil {
		return fmt.Errorf("network %s: mac address %q: %w", n.Name, a.MAC, err)
	}
	return netctl.Attach(ctx, netctl.Endpoint{
		Netns:        e.netnsPath(c.ID),
		Bridge:       n.bridge().Name,
		HostVeth:     a.hostVeth(c.ID),
		IfName:       fmt.Sprintf("eth%d", a.Index),
		Addr:         a.Addr,
		Gateway:      a.Gateway,
		DefaultRoute: a.Index == c.Networks[0].Index && !n.Internal,
		MAC:          mac,
	})
}
