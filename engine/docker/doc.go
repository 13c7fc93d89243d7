// Package docker implements [engine.Engine] on the Docker Engine API through
// github.com/moby/moby/client. It is the only package in berth that imports
// Docker's types.
//
// # Translation
//
// The service → container create request mapping is a pure function,
// createRequest, checked by golden files under testdata/create. It follows
// docker compose's pkg/compose/create.go field by field so that a container
// created by berth is indistinguishable from one created by docker compose,
// except that lists compose builds from Go maps (binds, mounts, environment,
// extra hosts, ulimits) are sorted here so that the request is reproducible.
//
// # API versions
//
// The client negotiates the API version with the daemon on first use, so
// [New] costs no round trip. Engines older than API 1.44 (Docker 20.10 and 23
// speak 1.41–1.43) accept one network at create time: CreateContainer attaches
// the first and connects the others before returning, as compose does.
//
// # Lists
//
// Containers, Networks and Volumes each make exactly one API call filtered by
// the com.docker.compose.project label, and fill berth's types from the list
// summaries alone; nothing in a list path inspects individual objects.
//
// # Errors
//
// Daemon errors are wrapped so that errors.Is matches [engine.ErrNotFound],
// [engine.ErrConflict] and [engine.ErrActiveEndpoints], and the daemon's own
// message is kept behind the operation. The failures people hit most get a
// typed error whose message names the resource and the fix, with the
// daemon's answer still reachable through errors.As and errors.Is:
//
//   - [UnreachableError] ([ErrUnreachable]): no daemon at the address, a
//     socket this user may not open, a certificate that does not verify or
//     is refused, TLS on one side only, a connection that broke off.
//   - [APIVersionError]: a daemon older than the client's minimum API, or a
//     DOCKER_API_VERSION outside the daemon's range; both versions named.
//   - [engine.ImageNotFoundError] (engine.ErrNotFound): an image missing at
//     create or inspect; the daemon's "No such image" adds nothing to its
//     advice and is dropped.
//   - [engine.PullError]: a pull or push the registry refused, with the
//     daemon's message; engine.ErrNotFound when the registry lacks the
//     reference. Credentials come from config.json in Options.ConfigDir.
//   - [PortInUseError] (engine.ErrConflict): parsed from the daemon's
//     wording (20.10 to 28) at start, naming the address and the service.
//   - [NameConflictError] (engine.ErrConflict): whether the holder of a
//     container name belongs to the project, found by inspecting it.
//   - [NoSpaceError]: the disk of the Docker host is full.
//
// Every other error starts with the operation and the resource it was
// given ("start container 4f0a1b2c3d4e: ", full IDs shortened to 12
// digits), and this package is the only layer that says so: callers add
// only what it cannot know, such as the compose service. Daemon-wide
// failures (unreachable, API version) read without the operation in front:
// every call would fail the same way. [engine.ImageNotFoundError] names its
// image itself.
//
// # Retries
//
// Each call has a policy. Calls that leave the daemon in the same state
// however often they run (lists, inspects, ping, start, stop, volume create,
// removals) are repeated on a refused connection, a reset or EOF, or a 5xx
// answer, up to three times with 100/200/400ms backoff. A removal that finds
// nothing on a retry succeeded on the attempt whose answer was lost.
// Container and network create, rename and connect are repeated only when
// the connection was refused: the transport's trace then proves no
// connection was ever made, so the daemon never saw the request. Builds
// stream their context and are never repeated.
//
// Those same create, rename and connect calls are not abandoned when their
// context is cancelled: the daemon carries them out whether or not anyone
// waits, and until a create ends it holds the name without listing the
// container. They run on for up to ten seconds, so that an interrupted
// berth exits with the daemon in a state the next command can see.
//
// The client library folds transport failures into opaque errors, so each
// attempt carries an httptrace.ClientTrace and a response hook that record
// whether a connection was made, why a dial failed and the HTTP status.
package docker
