// Package fake is an in-memory [engine.Engine] for unit tests: map-backed,
// safe for concurrent use, deterministic, and seeded with state rather than
// call expectations.
//
// # Usage
//
//	f := fake.New().
//		WithImage(engine.Image{Tags: []string{"app:latest"}}).
//		WithNetwork(engine.Network{Name: "shop_default", Labels: labels}).
//		Build()
//	f.Hooks.StartContainer = func(ctx context.Context, id string) error {
//		return errors.New("boom") // inject a failure; nil lets the call proceed
//	}
//	... run the code under test against f ...
//	if m := f.Mutations(); len(m) != 0 { t.Errorf("dry run mutated: %v", m) }
//
// Tests drive what a daemon would do on its own with [Engine.SetHealth],
// [Engine.Exit] and [Engine.SetLogs], script the processes Exec runs with
// [Engine.SetExec], and read back what was asked for with [Engine.Spec],
// [Engine.Stdin] and [Engine.Calls].
//
// # Conventions
//
//   - IDs are 64 hex digits derived from the resource kind, its name and how
//     many times that name was used, so the same test yields the same IDs even
//     when creations run in parallel. Image IDs carry the "sha256:" prefix.
//   - A container whose command is ["exit", "N"] exits with code N as soon as
//     it is started (the same command makes berth's test image exit with N
//     under Docker). Any other command runs until it is stopped, removed with
//     Force, or ended by [Engine.Exit].
//   - A container whose service has an enabled healthcheck is "starting" when
//     started, or what [Builder.WithStartHealth] decides; only
//     [Engine.SetHealth] moves it on.
//   - StopContainer ends a container with exit code 0; RemoveContainer with
//     Force ends it with 137, as SIGKILL does.
//   - Lists are sorted by name (images by ID), so output is stable.
//   - Containers, Networks and Volumes with an empty project list every
//     resource that carries the project label, whatever its value.
//   - Every method checks its Hooks entry first, then ctx; calls are recorded
//     before either, so a call that failed is still in [Engine.Calls].
//   - Every error names the operation and its resource, as engine/docker's
//     do ("start container 4f0a1b2c3d4e: boom", full IDs shortened to 12
//     digits), a hook's and a cancelled context's included: a hook returns
//     only the cause. [engine.ImageNotFoundError] names its image and is
//     returned as it is.
//
// # What the fake gets wrong
//
// The fake models the daemon behaviour that berth's decisions depend on and
// nothing more. Compared with Docker:
//
//   - Exits happen inside StartContainer, so a container with an exit
//     command is already "exited" when StartContainer returns; Docker reports
//     "running" first and the exit a moment later.
//   - Registries are one map in the engine: [Engine.AddRegistryImage] seeds
//     what PullImage gets, [Engine.FailPull] makes a reference fail (pulls
//     and pushes have no Hooks entry), progress has no byte counts, and a
//     pull needs no credentials.
//   - Nothing runs: no processes, no health probes, no restart policies, no
//     DNS, no IP address allocation (an endpoint's IPAddress is the requested
//     IPv4Address), no published-port allocation (an empty "published" port
//     reports HostPort 0), no restarting state. A paused container only
//     changes state; KillContainer ends a container for the signals listed
//     there and ignores the rest; TopContainer reports the command as the
//     one process.
//   - No predefined networks: "bridge", "host" and "none" do not exist unless
//     seeded, and a container created without networks is attached to none.
//   - Network drivers, IPAM, options and volume drivers are recorded, never
//     validated, except that a network's subnets (its ipam config's and
//     NetworkSpec.Subnet) must not overlap another network's, as dockerd
//     refuses with engine.ErrSubnetOverlap. A network created without a
//     subnet gets none: the fake has no default address pools. CreateNetwork rejects a duplicate name (Docker 20.10 only does
//     with CheckDuplicate) and CreateVolume rejects a duplicate name (Docker
//     returns the existing volume when the driver matches).
//   - An image is only a set of tags, labels and an ID: no layers, no config,
//     so a container's entrypoint, healthcheck and volumes come from its spec
//     alone. BuildImage reads no files and never fails unless a hook says so.
//     References are normalised for Docker Hub ("docker.io/library/x" is "x")
//     but digests ("x@sha256:…") never resolve.
//   - An attached container's output (what SetLogs set) arrives in one
//     piece when its run ends, and its input is read to the end first, not
//     as the process would read it; Resize sizes are ignored. An Exec runs
//     the ExecFunc synchronously, Detach included. ContainerSpec.AutoRemove
//     is recorded, never acted on.
//   - Logs ignores Since, Until and Timestamps; stdout and stderr are returned
//     whole (or their last Tail lines) and never interleaved.
//   - Network.Containers lists the running containers attached, as Docker's
//     active endpoints do, plus the stale endpoints [Engine.AddStaleEndpoint]
//     left; a seeded Network's Containers field is ignored. Stale endpoints
//     appear only when a test adds them.
//   - The ServiceConfig inside a stored ContainerSpec shares memory with the
//     caller's; berth never mutates a project, so the fake does not copy it.
package fake
