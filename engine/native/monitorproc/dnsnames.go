package monitorproc

import (
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/berth-dev/berth/engine/native/monitor"
)

// dnsNames answers the embedded DNS for one container: the names of the
// running containers on its networks, reading the records at each query,
// through a cache of records keyed by modification time.
type dnsNames struct {
	containers string // the engine's directory of container directories
	id         string
	mu         sync.Mutex
	cache      map[string]cachedRecord
}

type cachedRecord struct {
	mtime time.Time
	c     *Record
}

// lookup returns the addresses name has on the container's own networks
// (see addrsOf).
func (d *dnsNames) lookup(_ context.Context, name string) ([]netip.Addr, error) {
	name = strings.ToLower(strings.TrimSuffix(name, "."))
	if name == "" {
		return nil, nil
	}
	all, err := d.records()
	if err != nil {
		return nil, err
	}
	return addrsOf(d.id, all, d.running, name), nil
}

// reverse returns the names of ip on the container's own networks (see
// namesOf).
func (d *dnsNames) reverse(_ context.Context, ip netip.Addr) ([]string, error) {
	all, err := d.records()
	if err != nil {
		return nil, err
	}
	return namesOf(d.id, all, d.running, ip), nil
}

func (d *dnsNames) running(c *Record) bool {
	s, err := monitor.Observe(filepath.Join(d.containers, c.ID), c.ID)
	return err == nil && s.Running()
}

// addrsOf returns the addresses that name, lower case, has for container
// self among all, only on the networks self is on: a service name gives
// every running replica's, a container name, alias, hostname or short ID
// the container's. As in docker, any of them followed by a dot and a
// network's name gives the addresses on that network alone.
func addrsOf(self string, all []*Record, running func(*Record) bool, name string) []netip.Addr {
	var out []netip.Addr
	each(self, all, running, func(c *Record, a Attachment) {
		names := append([]string{c.Name, c.Labels[serviceLabel], c.ID[:12], c.Service.Hostname}, a.Aliases...)
		base, scoped := strings.CutSuffix(name, "."+strings.ToLower(a.Network))
		if (matches(name, names) || scoped && matches(base, names)) && !slices.Contains(out, a.Addr.Addr()) {
			out = append(out, a.Addr.Addr())
		}
	})
	return out
}

// namesOf returns the names of the running container that has address ip
// on a network self is on: `<container>.<network>`, which is what docker
// answers, then the container name.
func namesOf(self string, all []*Record, running func(*Record) bool, ip netip.Addr) []string {
	var out []string
	each(self, all, running, func(c *Record, a Attachment) {
		if a.Addr.Addr() == ip.Unmap() {
			out = append(out, c.Name+"."+a.Network, c.Name)
		}
	})
	return out
}

// each calls f for every Attachment of a running container of all to a
// network that container self is on, the running check made only once a
// container's Attachment is on such a network.
func each(self string, all []*Record, running func(*Record) bool, f func(*Record, Attachment)) {
	i := slices.IndexFunc(all, func(c *Record) bool { return c.ID == self })
	if i < 0 {
		return
	}
	mine := all[i].Networks
	for _, c := range all {
		checked, up := false, false
		for _, a := range c.Networks {
			if !slices.ContainsFunc(mine, func(s Attachment) bool { return s.NetworkID == a.NetworkID }) {
				continue
			}
			if !checked {
				checked, up = true, running(c)
			}
			if up {
				f(c, a)
			}
		}
	}
}

func matches(name string, names []string) bool {
	return slices.ContainsFunc(names, func(n string) bool { return n != "" && strings.EqualFold(n, name) })
}

// records reads every container record, rereading only those changed.
func (d *dnsNames) records() ([]*Record, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	entries, err := os.ReadDir(d.containers)
	if err != nil {
		return nil, err
	}
	next := make(map[string]cachedRecord, len(entries))
	out := make([]*Record, 0, len(entries))
	for _, ent := range entries {
		id := ent.Name()
		dir := filepath.Join(d.containers, id)
		fi, err := os.Stat(filepath.Join(dir, recordFile))
		if err != nil {
			continue
		}
		r, ok := d.cache[id]
		if !ok || !r.mtime.Equal(fi.ModTime()) {
			c, err := ReadRecord(dir)
			if err != nil {
				continue
			}
			r = cachedRecord{mtime: fi.ModTime(), c: c}
		}
		next[id] = r
		out = append(out, r.c)
	}
	d.cache = next
	return out, nil
}
