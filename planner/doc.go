// Package planner turns a loaded project into a service dependency graph
// and walks it in dependency order.
//
// It is a pure stage between the loader and reconcile: [Build] reads a
// *types.Project and never modifies it, and the returned [Graph] is
// immutable, so one graph may be shared by any number of goroutines.
//
// # Edges
//
// A service depends on another through any of:
//
//   - depends_on (short or long form, with condition, required and restart)
//   - links: "db" or "db:alias"
//   - network_mode, pid or ipc set to "service:db"
//   - volumes_from: "db", "db:ro" or "db:rw" ("container:NAME" is not a service)
//
// The compose-go loader already adds an implicit depends_on entry for links,
// namespaces and volumes_from, so a loaded project usually carries both the
// depends_on edge and the edge of the original kind. Both are kept: the kind
// tells the user why two services are ordered, and depends_on carries the
// condition to wait for.
//
// A depends_on entry with required: false that names a missing or disabled
// service is dropped, as docker compose does. Any other reference to such a
// service is an error wrapping [ErrUnknownService]; a cycle is an error
// wrapping [ErrCycle] that lists the whole cycle.
//
// # Determinism
//
// Every list the graph returns is sorted or in a fixed topological order with
// ties broken by name, and cycle detection visits services in name order, so
// the same file always gives the same output and the same error.
package planner
