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
// message is kept. An unreachable daemon is reported as [ErrUnreachable] with
// the host and what to check.
package docker
