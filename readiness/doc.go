// Package readiness decides when a service without a healthcheck is ready:
// the conditions of its x-berth-wait extension or of `up --wait-for` flags,
// each checked from this host against one running container.
//
// # Conditions
//
//	log      a regular expression matches a line of the container's output
//	http     GET on a container port answers with a status (any 2xx by default)
//	tcp      a container port accepts connections
//	command  a command run inside the container (as docker exec) exits 0
//
// All of a [Spec]'s conditions must hold at the same attempt. A [Probe]
// runs them at most once per Spec.Interval and remembers each unmet
// condition's last error, which is what a failed wait reports.
//
// # How http and tcp reach the container
//
// When the container port is published, the check connects to the host
// port: 127.0.0.1:HOSTPORT for a port bound to every address (or the bound
// address otherwise), which works wherever the engine publishes ports on
// this machine. Otherwise it connects to the container's address on the
// first of its networks (by name) that has one: on Linux the host routes
// to bridge networks, so this works with a local daemon, not with a remote
// one or Docker Desktop's VM (publish the port there). A container with
// network_mode host is reached at 127.0.0.1.
//
// Docker's userland proxy accepts a connection on a published port before
// it knows whether the container listens, and closes it when the container
// does not; a tcp check therefore only holds when the connection is still
// open (or has sent data) a moment after it was made.
//
// # What the checks need
//
// Only [Engine]: logs for log and exec for command. The container comes
// from the caller's inspection, which holds its ports and networks.
package readiness
