// Package reconcile turns a project and the engine's observed state into a
// plan of actions, each with the reasons behind it, and applies plans.
//
// It follows docker compose v5's observe → decide → execute split:
//
//   - [Observe] takes one snapshot of the project's resources ([State]): one
//     list call per kind.
//   - [PlanUp], [PlanDown], [PlanStop], [PlanStart], [PlanRestart] and
//     [PlanRemove] decide. They are pure functions: no context, no I/O, no
//     logging; the same inputs give the same [Plan]. Every decision carries
//     [Reason] values ("env-changed", "orphan", "scale-down", …) that are
//     shown to people and never read back.
//   - [Apply] executes a plan: it walks the actions' After edges with a
//     concurrency limit and never re-decides.
//
// # Interoperability with docker compose
//
// Containers, networks and volumes carry compose's labels and names, and the
// config hash is compose's ([ServiceHash], computed after service references
// such as network_mode "service:db" are resolved to container IDs, as
// compose does). A stack created by one tool is therefore adopted by the
// other without recreating anything.
//
// berth also records on each container, in [LabelConfig], the JSON the hash
// was computed on. Comparing it with the desired JSON names the fields that
// changed ("environment.DB_HOST changed (value hidden)") without inspecting
// the container. Containers created by docker compose lack the record; a
// differing hash then gives a single generic reason.
//
// # Secrets
//
// Reasons name fields and keys, never values: environment values, label
// values and anything interpolated from a .env file may be secret. The only
// value shown is the image reference.
//
// # Concurrency
//
// Apply dispatches from the calling goroutine and runs actions on an
// errgroup limited to [ApplyOptions.Parallel]. On the first failure nothing
// new starts; actions already running finish, except waits for a
// dependency's health, which stop at once. [ApplyOptions.Progress] is called
// from several goroutines.
package reconcile
