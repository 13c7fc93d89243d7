package engine

import (
	"context"
	"fmt"
)

// PullEvent reports progress of a pull or push, mostly per layer, as the
// registry transfer goes.
type PullEvent struct {
	// Layer is the short ID of the layer the event is about; "" for a
	// message about the whole image ("Digest: …", "Status: …").
	Layer string
	// Status is the engine's text, e.g. "Pulling fs layer", "Downloading",
	// "Pull complete", "Pushed", "Already exists".
	Status string
	// Current and Total count bytes while a layer transfers; zero otherwise.
	Current, Total int64
	// Done is set when the layer needs no more work.
	Done bool
}

// ImagePuller moves images between the local store and registries. The
// engine resolves registry credentials itself, as the docker CLI does.
type ImagePuller interface {
	// PullImage fetches ref from its registry into the local store. A
	// reference the registry does not have fails with a *PullError
	// matching ErrNotFound.
	PullImage(ctx context.Context, ref string, opts PullOptions) error
	// PushImage sends the local image ref to its registry.
	PushImage(ctx context.Context, ref string, progress func(PullEvent)) error
}

// PullOptions tune one pull.
type PullOptions struct {
	// Platform selects one image of a multi-platform reference, as
	// "os/arch[/variant]"; "" lets the engine pick its own.
	Platform string
	// Progress receives events as the pull goes; it may be nil.
	Progress func(PullEvent)
}

// PullError is a pull or push the registry refused or could not serve. It
// names the reference; callers add the services that wanted it.
type PullError struct {
	Op  string // "pull" or "push"
	Ref string
	Err error
}

func (e *PullError) Error() string { return fmt.Sprintf("%s %s: %v", e.Op, e.Ref, e.Err) }

func (e *PullError) Unwrap() error { return e.Err }

// NotInRegistry is the cause of a pull whose reference the registry does
// not have: msg as the registry or engine put it, matching ErrNotFound.
func NotInRegistry(msg string) error { return notInRegistry(msg) }

type notInRegistry string

func (e notInRegistry) Error() string { return string(e) }

// Is makes errors.Is(err, ErrNotFound) hold.
func (e notInRegistry) Is(target error) bool { return target == ErrNotFound }
