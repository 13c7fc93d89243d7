package netctl

import (
	"errors"
	"fmt"

	"github.com/vishvananda/netlink"
)

// dumpAttempts bounds how often a netlink dump is asked again when the kernel
// says it was interrupted.
const dumpAttempts = 5

// retryDump calls fn again while it fails with netlink.ErrDumpInterrupted: the
// kernel's tables changed during the dump (as they do while other containers
// are being attached), so its result may miss entries or hold stale ones and
// must not be acted on. Any other result, error or not, is returned as is.
func retryDump[T any](fn func() (T, error)) (T, error) {
	var zero T
	for range dumpAttempts {
		out, err := fn()
		if !errors.Is(err, netlink.ErrDumpInterrupted) {
			return out, err
		}
	}
	return zero, fmt.Errorf("%w (%d times in a row: the host's network links keep changing; try again)", netlink.ErrDumpInterrupted, dumpAttempts)
}

// lookupLink is byName(name) (netlink.LinkByName or a Handle's), retried as
// retryDump does: kernels that cannot look a link up by name answer from a
// dump of every link.
func lookupLink(byName func(string) (netlink.Link, error), name string) (netlink.Link, error) {
	return retryDump(func() (netlink.Link, error) { return byName(name) })
}
