// Package reconcile turns a project and the engine's observed state into a
// plan of actions, each with the reasons behind it, and applies plans.
//
// It follows docker compose v5's observe → decide → execute split:
//
//   - [Observe] takes one snapshot of the project's resources ([State]): one
//     list call per kind.
//   - [PlanUp], [PlanDown], [PlanStop], [PlanStart], [PlanRestart],
//     [PlanRemove], [PlanKill], [PlanPause] and [PlanUnpause] decide. They are pure functions: no context, no I/O
//     (bar PlanUp's check that secret files and build contexts exist), no
//     logging; the same
//     inputs give the same [Plan]. Every decision carries
//     [Reason] values ("env-changed", "orphan", "scale-down", …) that are
//     shown to people and never read back.
//   - [Apply] executes a plan: it walks the actions' After edges with a
//     concurrency limit and never re-decides. [Wait] then watches the
//     containers until they are running or healthy (up --wait).
//
// # Conditional actions
//
// One fact is not known until Apply runs: whether `up --build` changed an
// image. The recreate of a built service whose only reason is that build
// is therefore conditional, as are the recreates and restarts that follow
// only from it (a network_mode: service: child, a depends_on restart:
// true dependant). The plan says so in the reason; Apply compares the
// built image's ID with the container's and, when nothing changed, keeps
// the container (starting it if the plan starts it), as compose leaves an
// up-to-date container running. The condition is part of the plan, so
// Apply still decides nothing of its own. [PlanBuild] plans `berth build`
// with the same build specs.
//
// # Errors
//
// The engine names its own operation and resource ("create container
// shop-web-1: …"); Apply adds only what the engine cannot know: the
// compose service, and for a recreate that the container was being
// replaced (`service "web": recreate shop-web-1: stop container 4f0a…: …`).
// Steps of Apply's own, such as waiting for a dependency's health, say
// what failed themselves. No layer repeats another's words, so the text
// is printed as it is.
//
// # Interoperability with docker compose
//
// Containers, networks and volumes carry compose's labels and names, and the
// config hash is compose's ([ServiceHash], computed after service references
// such as network_mode "service:db" are resolved to container IDs, as
// compose does). Networks and volumes carry compose's config hash too
// ([NetworkHash], [VolumeHash]). A stack created by one tool is therefore
// adopted by the other without recreating anything.
//
// As in compose v5, a network whose hash changed is recreated: its
// containers are stopped and disconnected, the network removed and
// created, and the containers connected again and started; they keep
// their identity. A changed volume is only reported: recreating it would
// delete its data (compose asks, and defaults to no).
//
// berth also records on each container, in [LabelConfig], a digest of each
// field of the JSON the hash was computed on (key by key for environment
// and labels). Comparing them with the desired service's names the fields
// that changed ("environment.DB_HOST changed (value hidden)") without
// inspecting the container, and without a label holding any value:
// `berth ps --format json` prints labels. Containers from before digests
// carry the JSON itself in [LabelConfigV1], which is read the same way and
// never printed. Containers created by docker compose lack a record; a
// differing hash then gives a single generic reason.
//
// # Secrets and configs
//
// As docker compose does outside swarm, secrets and configs become
// read-only bind mounts: at /run/secrets/<target or source> and
// /<target or source>. A file: source is bound as it is; the content of an
// environment: or content: source is written by Apply to a private
// directory ([ApplyOptions.StateDir]) and bound from there, which needs no
// copy into the container. The mounts are added after the config hash is
// computed, so the hash still equals compose's. [PlanUp] checks that the
// files of the containers it creates exist, the one time planning looks at
// the file system, so that a missing secret fails before anything changes.
// As in compose, a new secret content alone does not recreate a container
// (the hash covers references, not contents): use --force-recreate.
//
// # Keeping secret values out of output
//
// Plans, their JSON, progress events, warnings and errors never carry an
// environment value, a value from a .env file or a secret's content.
// Reasons name environment keys and secret sources only. A new command,
// entrypoint or label value is shown unless it contains a value of the
// environment or a secret's content, in which case it is hidden whole; old
// values are never shown. Names are shown as they are: image references,
// and container, network and volume names, are identifiers that docker ps
// shows to anyone, even when interpolated from a .env file. What reconcile
// cannot vouch for is text it passes on from elsewhere: engine errors and
// the output of a failed health probe.
//
// # Concurrency
//
// Apply dispatches from the calling goroutine and runs actions on an
// errgroup limited to [ApplyOptions.Parallel]. On the first failure nothing
// new starts; actions already running finish, except waits for a
// dependency's health, which stop at once. A recreate that starts its
// service creates the replacement while the old container stops, as the
// create does not need the old container gone. [ApplyOptions.Progress] is
// called from several goroutines.
package reconcile
