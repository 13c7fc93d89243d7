package docker

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"

	"github.com/berth-dev/berth/engine"
)

var noSuchImage = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`No such image: (\S+)`) })

// missingImage recognises the daemon's "No such image: ref" and falls back
// to ref when the message names none. The daemon's own words add nothing
// to engine.ImageNotFoundError's advice, so they are dropped.
func missingImage(ref string, err error) (*engine.ImageNotFoundError, bool) {
	m := noSuchImage().FindStringSubmatch(err.Error())
	if m == nil {
		return nil, false
	}
	if ref == "" {
		ref = m[1]
	}
	return &engine.ImageNotFoundError{Ref: ref}, true
}

// PortInUseError is a published host port that another process or
// container already holds. It matches engine.ErrConflict.
type PortInUseError struct {
	Address   string // host address and port, e.g. "127.0.0.1:8080"; empty if the daemon did not say
	Service   string // compose service of the container, if known
	Container string // container name or ID
	Err       error
}

func (e *PortInUseError) Error() string {
	port := "a published port"
	if e.Address != "" {
		port = "port " + e.Address
	}
	fix := fmt.Sprintf("change the published ports of container %s", e.Container)
	if e.Service != "" {
		fix = fmt.Sprintf("change \"ports\" of service %s", e.Service)
	}
	return fmt.Sprintf("%s is already in use by another process or container: %s or free the port", port, fix)
}

func (e *PortInUseError) Unwrap() []error { return []error{engine.ErrConflict, e.Err} }

// The daemon's ways of saying a host port is taken, from 20.10 to 28:
//
//	Bind for 127.0.0.1:8080 failed: port is already allocated
//	Error starting userland proxy: listen tcp4 127.0.0.1:8080: bind: address already in use
//	failed to bind host port for 0.0.0.0:8080:172.17.0.2:80/tcp: address already in use
//	failed to bind host port 0.0.0.0:8080/tcp: address already in use
var portTaken = sync.OnceValue(func() []*regexp.Regexp {
	return []*regexp.Regexp{
		regexp.MustCompile(`Bind for (\S+):(\d+) failed: port is already allocated`),
		regexp.MustCompile(`listen (?:tcp|udp|sctp)[46]? (\S+):(\d+): bind: address already in use`),
		regexp.MustCompile(`failed to bind host port (?:for )?(\[[0-9a-fA-F:.]*\]|[0-9.]*):(\d+)[:/].*address already in use`),
	}
})

// takenPort reports whether msg says a host port is in use, and which.
func takenPort(msg string) (addr string, ok bool) {
	for _, re := range portTaken() {
		if m := re.FindStringSubmatch(msg); m != nil {
			return m[1] + ":" + m[2], true
		}
	}
	if strings.Contains(msg, "port is already allocated") ||
		(strings.Contains(msg, "address already in use") && strings.Contains(msg, "port")) {
		return "", true
	}
	return "", false
}

// portInUse builds the error for container id, asking the daemon which
// service the container belongs to so that the message names the compose
// key to change.
func (e *Engine) portInUse(ctx context.Context, id, addr string, err error) error {
	perr := &PortInUseError{Address: addr, Container: id, Err: err}
	if res, ierr := e.cli.ContainerInspect(ctx, id, client.ContainerInspectOptions{}); ierr == nil {
		c := fromInspect(res.Container)
		perr.Container = c.Name
		perr.Service = c.Labels[engine.LabelService]
	}
	return fmt.Errorf("start container %s: %w", perr.Container, perr)
}

// NameConflictError is a container name already taken. It matches
// engine.ErrConflict.
type NameConflictError struct {
	Name    string // the name asked for
	ID      string // the container holding it
	Project string // the project the new container belongs to
	// OwnerProject and OwnerService are the holder's compose labels,
	// empty if it has none or could not be inspected.
	OwnerProject string
	OwnerService string
	// Creating is a holder the daemon does not list yet: it has reserved
	// the name for a create still under way.
	Creating bool
	Err      error
}

func (e *NameConflictError) Error() string {
	id := shortID(e.ID)
	if e.Creating {
		return fmt.Sprintf("container name %q is reserved for container %s, which the daemon is still creating: another berth or docker compose may be changing the project; run the command again once it is done",
			e.Name, id)
	}
	if e.Project != "" && e.OwnerProject == e.Project {
		return fmt.Sprintf("container name %q is already used by container %s of service %s in project %q: another berth or docker compose may be changing the project; run the command again once it is done",
			e.Name, id, e.OwnerService, e.Project)
	}
	if e.Project == "" {
		return fmt.Sprintf("container name %q is already used by container %s: remove or rename it", e.Name, id)
	}
	return fmt.Sprintf("container name %q is already used by container %s that is not part of project %q: remove or rename it", e.Name, id, e.Project)
}

func (e *NameConflictError) Unwrap() []error { return []error{engine.ErrConflict, e.Err} }

// `Conflict. The container name "/shop-web-1" is already in use by container "4f0…". You have to remove …`
var nameInUse = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`container name "/?([^"]+)" is already in use by container "([0-9a-f]+)"`)
})

// nameConflict recognises the daemon's name conflict and finds out whether
// the holder is one of project's containers.
func (e *Engine) nameConflict(ctx context.Context, project string, err error) (*NameConflictError, bool) {
	m := nameInUse().FindStringSubmatch(err.Error())
	if m == nil {
		return nil, false
	}
	nerr := &NameConflictError{Name: m[1], ID: m[2], Project: project, Err: err}
	res, ierr := e.cli.ContainerInspect(ctx, nerr.ID, client.ContainerInspectOptions{})
	switch {
	case ierr == nil && res.Container.Config != nil:
		nerr.OwnerProject = res.Container.Config.Labels[engine.LabelProject]
		nerr.OwnerService = res.Container.Config.Labels[engine.LabelService]
	case cerrdefs.IsNotFound(ierr):
		nerr.Creating = true
	}
	return nerr, true
}

// shortRef is how an operation names the container or network it was
// given: a full 64-digit ID shortened to the 12 digits docker shows, a
// name (or an ID prefix) as it is. Errors are read by people, and callers
// add only what the engine cannot know, so the engine's naming is the one
// they see.
func shortRef(ref string) string {
	if len(ref) == 64 && strings.Trim(ref, "0123456789abcdef") == "" {
		return ref[:12]
	}
	return ref
}

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// NoSpaceError is the daemon's disk filling up during Op.
type NoSpaceError struct {
	Op  string // e.g. "create container shop-web-1"
	Err error
}

func (e *NoSpaceError) Error() string {
	return fmt.Sprintf("%s: no space left on device on the Docker host: see what uses the space with docker system df, then free some with docker system prune (or docker image prune, docker volume prune)", e.Op)
}

func (e *NoSpaceError) Unwrap() error { return e.Err }

func noSpace(msg string) bool { return strings.Contains(msg, "no space left on device") }

// permanent reports daemon failures that a retry within seconds cannot fix.
func permanent(err error) bool {
	msg := err.Error()
	_, port := takenPort(msg)
	return port || noSpace(msg)
}
