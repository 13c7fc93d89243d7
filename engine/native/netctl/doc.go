// Package netctl is the native engine's kernel networking: bridges with their
// NAT and forwarding rules, network namespaces bind-mounted on a path, and
// veth pairs that attach a namespace to a bridge. Published ports are proxied
// in user space by engine/native/portproxy.
//
// Every call is idempotent and level-triggered: it looks at what the kernel
// has and makes up the difference, so that a crashed or repeated call is
// repaired by calling it again. Nothing is kept in memory between calls.
//
// # Firewall backends
//
// Packets pass the netfilter hooks of both iptables backends (legacy and
// nf_tables) when both hold tables, and a drop in either is final. dockerd
// sets the filter FORWARD policy to DROP in whichever backend it uses, which
// is not always the one the `iptables` command points at. EnsureBridge
// therefore adds its FORWARD accepts through `iptables` and through the other
// backend when that one's FORWARD policy drops; the MASQUERADE rule and the
// mangle FORWARD rule that isolates each bridge from every other interface
// (as docker isolates its networks) go through `iptables` only, since one NAT
// binding is enough and a drop in either backend is final. Each rule carries
// `-m comment --comment berth:<bridge>`, which is how DeleteBridge finds them
// in both backends.
//
// Bridges are IPv4 only, like the rest of the native engine's networks.
package netctl
