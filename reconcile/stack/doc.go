// Package stack is the reconciler for a project deployed to a Docker
// Swarm (berth --engine swarm): the service-level counterpart of package
// reconcile, which works on containers. A swarm schedules, restarts and
// rolls tasks itself; what berth decides is which service specs to send.
//
// # Pipeline
//
// The stages have the same shape as reconcile's and each is a plain
// function of plain values:
//
//   - [Build] converts the loaded project into a [Desired]: one
//     swarm ServiceSpec per service, following `docker stack deploy` field
//     by field, in depends_on order, plus the overlay networks, secrets and
//     configs the services use. Compose keys a swarm cannot honour become
//     warnings naming the service and key, or errors where deploying
//     without them would change behaviour (unsupported.go).
//   - [Observe] reads what the swarm holds of the project: everything
//     labelled com.docker.stack.namespace=<project>, and nothing else.
//   - [PlanUp] compares desired and observed specs and returns a [Plan] of
//     actions, each service update with the fields that differ
//     (environment.X changed, image changed, replicas 2 → 3). It does no
//     I/O. [PlanDown], [PlanRemove], [PlanRestart] and [PlanScale] make
//     the other commands' plans.
//   - [Apply] carries a plan out in order; [Wait] waits for the tasks to
//     converge, or says which service failed, with its task's error and
//     last log lines; [WaitGone] waits for a down to finish on the node.
//
// # Comparing specs
//
// The manager stores a spec a little differently from how it was sent:
// networks by ID, an image digest it may pin, defaults for enums (an
// empty update failure action reads back as "pause"), empty structs for
// nil. diff.go turns a stored spec back (current), renders both specs as
// trees in which empty and default values are absent (canonical) and
// compares those, so that a stack deployed with the same file, by berth
// or by `docker stack deploy`, plans nothing and up leaves every service's
// version as it is.
//
// # Secrets and configs
//
// Swarm secrets and configs cannot change. berth names each by its
// content, "<project>_<key>-<hash8>": a changed file is a new object, the
// services that use it are updated onto it, and the old object is
// removed in the same plan once no service refers to it. A config that
// `docker stack deploy` created under the plain name with the same
// content is kept; such a secret is rolled once, as the API never returns
// a secret's content to compare.
package stack
