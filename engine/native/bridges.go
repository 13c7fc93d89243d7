package native

import (
	"context"
	"sync"

	"github.com/berth-dev/berth/engine/native/netctl"
)

// bridges remembers which bridges this process has ensured, so that a
// network's bridge and rules are set up once per process rather than once
// per container attached to it: netctl.EnsureBridge runs some ten
// iptables commands, which serialise on the xtables lock, and an up of
// 30 containers attached them 40 times over.
//
// A remembered bridge is trusted only while its link exists: one deleted
// behind berth's back (a reboot, ip link del) is ensured again, rules and
// all. The zero value is ready to use.
type bridges struct {
	mu   sync.Mutex
	seen map[netctl.Bridge]*bridgeOnce
}

type bridgeOnce struct {
	mu   sync.Mutex // held while one caller ensures it; the others wait
	done bool
}

// ensure runs netctl.EnsureBridge for b unless this process already did
// and its link is still there.
func (bs *bridges) ensure(ctx context.Context, b netctl.Bridge) error {
	bs.mu.Lock()
	if bs.seen == nil {
		bs.seen = map[netctl.Bridge]*bridgeOnce{}
	}
	o := bs.seen[b]
	if o == nil {
		o = &bridgeOnce{}
		bs.seen[b] = o
	}
	bs.mu.Unlock()

	o.mu.Lock()
	defer o.mu.Unlock()
	if o.done {
		if netctl.BridgeExists(b.Name) {
			return nil
		}
	}
	if err := netctl.EnsureBridge(ctx, b); err != nil {
		o.done = false
		return err
	}
	o.done = true
	return nil
}

// forget drops what ensure remembers of the bridge called name: it is
// about to be deleted.
func (bs *bridges) forget(name string) {
	bs.mu.Lock()
	defer bs.mu.Unlock()
	for b := range bs.seen {
		if b.Name == name {
			delete(bs.seen, b)
		}
	}
}
